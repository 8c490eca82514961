target "default" {
  shm-size = "128m"
  resources = { memory = "512m", cpu-shares = 512, cpuset-cpus = "0" }
  ulimits  = ["nofile=1024:1024"]
  network  = "host"
  call     = "check"
  no-cache-filter = ["build"]
  entitlements = ["network.host"]
  extra-hosts = { db = "10.0.0.1" }
  attest = ["type=sbom", "type=provenance,mode=max"]
  annotations = ["index:org.opencontainers.image.title=x"]
  pull = true
  no-cache = false
}
