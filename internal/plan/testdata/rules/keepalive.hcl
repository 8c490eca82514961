# A context parent stays alive until its users are done.
target "p" {
  output = ["type=oci,dest=p.tar"]
}
# Both a context and depends_on on p: the depends_on waits for p's result.
target "u" {
  contexts   = { base = "target:p" }
  depends_on = ["p"]
  output     = ["type=oci,dest=u.tar"]
}
# v uses p and waits for q to be done, which waits for p to be done: p
# cannot be done before v has used it.
target "v" {
  contexts   = { base = "target:p" }
  depends_on = ["q"] # ERROR(dependency-cycle): Dependency cycle @17
  output     = ["type=oci,dest=v.tar"]
}
target "q" {
  depends_on = ["p"]
  output     = ["type=oci,dest=q.tar"]
}
