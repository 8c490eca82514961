# OPTIONS: allow=fs.read=/etc/apt
# Reads and writes outside the tree, symbolic links resolved.
target "root-context" {
  context           = "/" # ERROR(read-outside-tree): Read outside the tree @23
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
target "granted" {
  context           = "/etc/apt"
  dockerfile-inline = "FROM scratch"
  output            = ["type=cacheonly"]
}
target "reads" {
  dockerfile = "../../../../go.mod" # ERROR(read-outside-tree): Read outside the tree @16
  secret     = ["id=k,src=/etc/hostname"] # ERROR(read-outside-tree): Read outside the tree @17
  cache-from = ["type=local,src=/var/cache"] # ERROR(read-outside-tree): Read outside the tree @17
  contexts   = { tools = "/opt" } # ERROR(read-outside-tree): Read outside the tree @26
  output     = ["type=cacheonly"]
}
target "writes" {
  cache-to = ["type=local,dest=/var/tmp/cache"] # ERROR(output-outside-tree): Output outside the spec's directory @15
  output   = ["type=local,dest=escape/out"] # ERROR(output-outside-tree): Output outside the spec's directory @15
}
target "remote-with-local-dockerfile" {
  context    = "https://github.com/moby/buildkit.git"
  dockerfile = "/etc/hostname" # ERROR(read-outside-tree): Read outside the tree @16
  output     = ["type=cacheonly"]
}
