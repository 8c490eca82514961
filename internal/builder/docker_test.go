package builder

import "testing"

func TestUsesContainerdStore(t *testing.T) {
	for in, want := range map[string]bool{
		`[["driver-type","io.containerd.snapshotter.v1"]]`:            true,
		`[["Backing Filesystem","extfs"],["Supports d_type","true"]]`: false,
		`null`: false,
		``:     false,
	} {
		if got := UsesContainerdStore([]byte(in)); got != want {
			t.Errorf("UsesContainerdStore(%s) = %v, want %v", in, got, want)
		}
	}
}
