package urn

import (
	"database/sql/driver"
	"fmt"
)

// Value stores a UUID as its canonical text; the zero UUID is NULL, so an
// unset id in a NOT NULL column fails loudly instead of storing zeros.
func (u UUID) Value() (driver.Value, error) {
	if u.IsZero() {
		return nil, nil
	}
	return u.String(), nil
}

// Scan reads canonical text (NULL or empty text gives the zero UUID).
func (u *UUID) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*u = UUID{}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("urn: cannot scan %T", src)
	}
	if s == "" {
		*u = UUID{}
		return nil
	}
	p, err := Parse(s)
	if err != nil {
		return fmt.Errorf("urn: stored id %q: %w", s, err)
	}
	*u = p
	return nil
}
