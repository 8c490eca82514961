//go:build windows

package builder

// sweep has nothing to do on Windows: the local driver's daemon, its
// runc containers and mounts are Linux's.
func (l *Local) sweep() {}
