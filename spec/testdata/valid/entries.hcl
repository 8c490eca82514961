# Every list-of-entries attribute, in bake's CSV form and as objects.
target "entries" {
  output = [
    "type=local,dest=out/local",
    { type = "oci", dest = "out/app.tar", tar = true },
    "out/bare",
    "-",
    "type=image,name=example.com/app:1,push=true,compression=zstd",
  ]
  cache-from = [
    "user/app:cache",
    "type=local,src=cache",
    { type = "gha", scope = "app" },
  ]
  cache-to = ["type=registry,ref=user/app:cache,mode=max"]
  secret = [
    "id=npm,src=secrets/npmrc",
    "type=env,id=GITHUB_TOKEN",
    { id = "aws", env = "AWS_SECRET" },
  ]
  ssh = ["default", "deploy=keys/id_ed25519,keys/id_rsa", { id = "git", paths = ["keys/git"] }]
  attest = ["type=provenance,mode=max", { type = "sbom", disabled = true }]
  annotations = ["index:org.opencontainers.image.title=app"]
  network = "host"
  no-cache = true
  pull = false
  no-cache-filter = ["build"]
  shm-size = "128m"
  ulimits = ["nofile=1024:1024"]
  extra-hosts = { "db.internal" = "10.0.0.2" }
  call = "check"
  entitlements = ["security.insecure"]
  dockerfile-inline = "FROM scratch\nLABEL x=$${X}\n"
  labels = { tmpl = "$${NOT_A_VAR}" }
}
