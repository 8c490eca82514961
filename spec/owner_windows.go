//go:build windows

package spec

import "io/fs"

// ownedByMe: a user's cache directory on Windows is under their profile,
// which other users cannot write to; its ACLs are not read here.
func ownedByMe(fs.FileInfo) bool { return true }
