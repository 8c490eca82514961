target "a" {
  contexts = { b = "target:b" }
  output   = ["type=oci,dest=a.tar"]
}
target "b" {
  depends_on = ["c"]
  output     = ["type=oci,dest=b.tar"]
}
target "c" {
  contexts = { a = "target:a" } # ERROR(dependency-cycle): Dependency cycle @20
  output   = ["type=oci,dest=c.tar"]
}
