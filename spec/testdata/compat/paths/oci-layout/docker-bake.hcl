target "default" {
  contexts = { base = "oci-layout://./layout:v1", abs = "oci-layout:///srv/layout@sha256:0000000000000000000000000000000000000000000000000000000000000000" }
}
