package exec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/moby/buildkit/client"

	"github.com/xbake/xbake/internal/plan"
)

// ociLayoutContext turns an oci-layout:// context, as the plan read it,
// into a store the session serves and the reference the frontend reads
// from it, as buildx does. Without a digest, the tag is looked up in the
// layout's index.json.
func ociLayoutContext(c plan.Context, so *client.SolveOpt, storeID string) (string, error) {
	path, tag, dgst := c.Dir, c.Layout.Tag, c.Layout.Digest
	if dgst == "" {
		var err error
		if dgst, err = layoutDigest(path, tag); err != nil {
			return "", fmt.Errorf("oci-layout %s: %w", path, err)
		}
	}
	store, err := local.NewStore(path)
	if err != nil {
		return "", fmt.Errorf("oci-layout %s: %w", path, err)
	}
	if so.OCIStores == nil {
		so.OCIStores = map[string]content.Store{}
	}
	so.OCIStores[storeID] = store
	return fmt.Sprintf("oci-layout://%s:%s@%s", storeID, tag, dgst), nil
}

// layoutDigest finds the manifest or index tagged tag in index.json.
func layoutDigest(path, tag string) (string, error) {
	b, err := os.ReadFile(filepath.Join(path, "index.json"))
	if err != nil {
		return "", err
	}
	var idx struct {
		Manifests []struct {
			Digest      string            `json:"digest"`
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return "", fmt.Errorf("index.json: %w", err)
	}
	for _, m := range idx.Manifests {
		if m.Annotations["org.opencontainers.image.ref.name"] == tag {
			return m.Digest, nil
		}
	}
	if len(idx.Manifests) == 1 {
		return idx.Manifests[0].Digest, nil
	}
	return "", fmt.Errorf("no image tagged %q in index.json; name one with oci-layout://PATH@sha256:...", tag)
}
