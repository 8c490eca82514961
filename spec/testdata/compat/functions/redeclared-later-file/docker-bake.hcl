function "tag" {
  params = [v]
  result = "app:${v}"
}
target "default" {
  tags = [tag("1")]
}
