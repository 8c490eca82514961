target "app" {
  attest = ["type=sbom,generator=a", "type=provenance,mode=min"]
}
