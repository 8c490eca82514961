package exec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/moby/buildkit/client"
)

// ociLayoutContext turns "oci-layout://PATH[:TAG][@DIGEST]" into a store
// the session serves and the reference the frontend reads from it, as
// buildx does. Without a digest, the tag (default latest) is looked up in
// the layout's index.json.
func ociLayoutContext(value string, so *client.SolveOpt, storeID string) (string, error) {
	rest := strings.TrimPrefix(value, "oci-layout://")
	path, dgst, _ := strings.Cut(rest, "@")
	tag := "latest"
	if i := strings.LastIndex(path, ":"); i > strings.LastIndex(path, "/") {
		path, tag = path[:i], path[i+1:]
	}
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
