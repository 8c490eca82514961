variable "PLATFORMS" {
  type    = list(string)
  default = ["linux/amd64", "linux/arm64"]
}
variable "RELEASE" {
  type    = bool
  default = false
}
variable "VERSION" {
  default = trimspace(file("VERSION"))
}
function "tags" {
  params          = [name]
  variadic_params = extra
  result          = concat(["example.com/${name}:${VERSION}"], [for e in extra : "example.com/${name}:${e}"])
}
function "label" {
  params = [k]
  result = { "org.example.${k}" = upper(k) }
}
target "fn" {
  tags      = tags("fn", "latest", "stable")
  platforms = RELEASE ? PLATFORMS : [PLATFORMS[0]]
  labels    = merge(label("team"), { built = formatdate("YYYY", "2026-11-27T00:00:00Z") })
  args      = { N = length(PLATFORMS), JSON = jsonencode({ a = 1 }) }
}
