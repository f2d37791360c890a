//go:build !linux

package secret

func lowerThreadPriority() {}
