target "nodir" {
  context = "nope" # ERROR(missing-context): Missing context @13
  output  = ["type=oci,dest=a.tar"]
}
target "nofile" {
  context    = "app"
  dockerfile = "Dockerfile.prod" # ERROR(missing-dockerfile): Missing Dockerfile @16
  output     = ["type=oci,dest=b.tar"]
}
target "named" {
  contexts = { lib = "lib", gone = "gone" } # ERROR(missing-context): Missing context @36
  output   = ["type=oci,dest=c.tar"]
}
target "inline" {
  context           = "app"
  dockerfile-inline = "FROM scratch\n"
  output            = ["type=oci,dest=d.tar"]
}
target "remote" {
  context = "https://github.com/moby/buildkit.git"
  output  = ["type=oci,dest=e.tar"]
}
target "nolayout" {
  contexts = { base = "oci-layout://nolayout:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" } # ERROR(missing-context): Missing OCI layout @23
  output   = ["type=oci,dest=f.tar"]
}
target "writes-layout" {
  context = "app"
  output  = ["type=oci,dest=made,tar=false"]
}
target "reads-made-layout" {
  contexts   = { base = "oci-layout://made" }
  depends_on = ["writes-layout"]
  output     = ["type=oci,dest=g.tar"]
}
