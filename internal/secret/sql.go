package secret

import (
	"database/sql/driver"
	"fmt"
)

// Value stores a digest as 32 bytes; the zero digest is NULL (no token).
func (d Digest) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	b := make([]byte, len(d))
	copy(b, d[:])
	return b, nil
}

// Scan reads 32 bytes (NULL gives the zero digest).
func (d *Digest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Digest{}
		return nil
	case []byte:
		if len(v) != len(d) {
			return fmt.Errorf("secret: stored digest has %d bytes", len(v))
		}
		copy(d[:], v)
		return nil
	}
	return fmt.Errorf("secret: cannot scan %T into a digest", src)
}
