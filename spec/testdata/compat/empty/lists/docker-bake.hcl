variable "EXTRA" { default = "" }
target "default" {
  tags      = ["repo/app:1", "", "${EXTRA}"]
  platforms = [""]
  cache-from = [""]
  annotations = ["", "a=b"]
}
