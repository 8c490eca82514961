target "default" {
  attest = ["type=sbom,generator=x"]
}
