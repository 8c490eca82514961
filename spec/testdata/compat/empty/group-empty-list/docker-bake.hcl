group "default" {
  targets = []
}
