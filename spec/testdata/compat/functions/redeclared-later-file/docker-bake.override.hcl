function "tag" {
  params = [v]
  result = "ci/app:${v}"
}
