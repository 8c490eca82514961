# Plans fine, with a warning: "cache" has no output.
target "cache" {
  context = "base"
}
