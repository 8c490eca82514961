// Package desc describes builders as plain data: what internal/builder
// needs to start, connect to and place on each builder's daemons. The
// plan fills it from the spec (plan.BuildersOf), so that the drivers
// never read the spec: a run builds on exactly the builders its plan
// shows. It depends on nothing.
package desc

// Builders are a spec's declared builders by name.
type Builders map[string]*Builder

// Builder is one builder block, resolved.
type Builder struct {
	Name string
	// Driver is "local", "remote", "docker" or "docker-container".
	Driver  string
	Default bool
	// Platforms are those the builder declares it builds.
	Platforms []string
	// Nodes are a remote builder's daemons; the docker and
	// docker-container drivers read the first one's endpoint.
	Nodes []Node
	// Local configures a local builder's daemon.
	Local Local
	// Container configures a docker-container builder's container.
	Container Container
	// Project identifies the spec that declares the builder (its root
	// directory): a docker-container builder's container is labelled with
	// it, so that xbake knows its own project's containers from others'.
	Project string
}

// Node is one BuildKit daemon of a builder.
type Node struct {
	Name, Endpoint string
	// Platforms are those it declares it builds natively.
	Platforms []string
	// Capacity is its declared max-parallelism (0: not declared).
	Capacity int
	TLS      *TLS
}

// TLS holds a tcp:// node's client certificate files, absolute paths.
type TLS struct {
	CA, Cert, Key, ServerName string
}

// Local configures the buildkitd of a local builder.
type Local struct {
	MaxParallelism int
	Registries     map[string]Registry
}

// Registry says how a daemon reaches one registry.
type Registry struct {
	HTTP, Insecure bool
	Mirrors        []string
}

// Container configures a docker-container builder (buildx's driver
// options); empty strings mean the defaults.
type Container struct {
	Image, BuildkitdFlags, Network string
	// Config is a buildkitd.toml to copy in (absolute path).
	Config string
	Env    map[string]string
	// NoIsolationFallback refuses a container with less isolation than
	// --privileged when the engine will not grant it.
	NoIsolationFallback bool
}
