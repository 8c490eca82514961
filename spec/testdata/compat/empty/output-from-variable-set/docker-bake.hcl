variable "DESTDIR" { default = "" }
target "default" {
  output = DESTDIR != "" ? ["${DESTDIR}"] : []
}
