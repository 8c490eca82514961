package exec

// The provenance of a build for --metadata-file, as bake records it
// (buildx.build.provenance, or buildx.build.provenance/PLATFORM for
// several platforms): read back from the daemon's record of the build.

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"strings"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/core/content/proxy"
	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// fetchProvenance reads the provenance predicates of build ref from the
// daemon's build history, base64-encoded JSON by metadata key.
func fetchProvenance(ctx context.Context, c *client.Client, ref string) (map[string]string, error) {
	stream, err := c.ControlClient().ListenBuildHistory(ctx, &controlapi.BuildHistoryRequest{Ref: ref, EarlyExit: true})
	if err != nil {
		return nil, err
	}
	store := proxy.NewContentStore(c.ContentClient())
	out := map[string]string{}
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if ev.Record == nil {
			continue
		}
		// One result per platform (its key names it), or one alone.
		results, perPlatform := ev.Record.Results, len(ev.Record.Results) > 0
		if !perPlatform && ev.Record.Result != nil {
			results = map[string]*controlapi.BuildResultInfo{"": ev.Record.Result}
		}
		for platform, res := range results {
			desc := provenanceOf(res)
			if desc == nil {
				continue
			}
			dt, err := content.ReadBlob(ctx, store, *desc)
			if err != nil {
				return out, err
			}
			key := "buildx.build.provenance"
			if perPlatform {
				key += "/" + platform
			}
			out[key] = base64.StdEncoding.EncodeToString(dt)
		}
	}
}

// provenanceOf finds the SLSA provenance among a result's attestations.
func provenanceOf(res *controlapi.BuildResultInfo) *ocispecs.Descriptor {
	for _, a := range res.Attestations {
		if a.MediaType == "application/vnd.in-toto+json" && strings.HasPrefix(a.Annotations["in-toto.io/predicate-type"], "https://slsa.dev/provenance/") {
			return &ocispecs.Descriptor{Digest: digest.Digest(a.Digest), Size: a.Size, MediaType: a.MediaType, Annotations: a.Annotations}
		}
	}
	return nil
}
