package store

import "context"

// SettingsReader reads provider-wide settings, stored as text.
type SettingsReader interface {
	// Settings returns every stored setting; missing keys use defaults
	// chosen by the caller.
	Settings(ctx context.Context) (map[string]string, error)
}

// SettingsWriter changes settings.
type SettingsWriter interface {
	SetSetting(ctx context.Context, key, value string) error
}
