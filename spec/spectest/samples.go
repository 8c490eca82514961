// Package spectest holds test data shared by the packages that handle a
// target's attributes: one sample value per attribute, so that each of
// them can check it handles every attribute, and a new attribute fails
// their tests until it is handled everywhere.
package spectest

// TargetAttributeSamples holds, for every target attribute, an HCL value
// to set it to in tests. A new attribute without a sample fails
// TestEveryTargetAttributeIsHandled: add one, and the test then checks
// that every place that lists attributes handles it.
var TargetAttributeSamples = map[string]string{
	"description":       `"a target"`,
	"inherits":          `["_base"]`,
	"context":           `"ctx"`,
	"contexts":          `{ tools = "ctx" }`,
	"dockerfile":        `"other.Dockerfile"`,
	"dockerfile-inline": `"FROM scratch"`,
	"args":              `{ A = "1" }`,
	"labels":            `{ L = "1" }`,
	"annotations":       `["index:a=1"]`,
	"tags":              `["example.com/app:1"]`,
	"target":            `"stage"`,
	"platforms":         `["linux/arm64"]`,
	"output":            `["type=oci,dest=x.tar"]`,
	"cache-from":        `["type=local,src=cache"]`,
	"cache-to":          `["type=local,dest=cache"]`,
	"secret":            `["id=npm,env=NPM_TOKEN"]`,
	"ssh":               `["default"]`,
	"attest":            `["type=sbom"]`,
	"pull":              `true`,
	"no-cache":          `true`,
	"network":           `"host"`,
	"no-cache-filter":   `["stage"]`,
	"shm-size":          `"128m"`,
	"ulimits":           `["nofile=1024:1024"]`,
	"call":              `"check"`,
	"entitlements":      `["network.host"]`,
	"extra-hosts":       `{ "db" = "10.0.0.1" }`,
	"resources":         `{ memory = "512m", cpu-shares = 512 }`,
	"builder":           `"local"`,
	"depends_on":        `["_base"]`,
}
