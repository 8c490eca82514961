# Contexts are classified once (spec.KindOf), as BuildKit reads them.
target "github" {
  context = "github.com/moby/buildkit#v0.34.2"
  output  = ["type=cacheonly"]
}
target "gitlab" {
  context  = "https://gitlab.com/group/repo.git#main"
  contexts = { ssh = "git@gitlab.com:group/tools.git", tarball = "https://example.com/ctx.tar.gz", img = "docker-image://alpine" }
  output   = ["type=cacheonly"]
}
target "not-a-url" {
  context           = "gitlab.com/group/repo" # ERROR(missing-context): Missing context @23
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
