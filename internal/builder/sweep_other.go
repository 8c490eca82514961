//go:build !linux && !windows

package builder

// Elsewhere there is no lazy unmount; the local builder runs on Linux
// only (its daemon's mounts are Linux's).
const unmountDetach = 0
