target "default" {
  attest = [{ type = "sbom", disabled = true }, "type=provenance,mode=min"]
  output = [{ type = "image", push = true, name = "repo/app" }]
  cache-to = [{ type = "inline" }]
}
