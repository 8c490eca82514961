package yamlhcl

import "unicode/utf8"

func decodeRune(b []byte) (rune, int) {
	r, size := utf8.DecodeRune(b)
	if size == 0 {
		size = 1
	}
	return r, size
}
