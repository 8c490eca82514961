group "default" {
  targets = ["app"]
}
target "app" {
  matrix = {
    variant = [
      { name = "slim", base = "alpine" },
      { name = "full", base = "debian" },
    ]
    go = ["1.25", "1.26"]
  }
  name      = "app-${variant.name}-${replace(go, ".", "")}"
  args      = { BASE = variant.base, GO = go }
  tags      = ["example.com/app:${variant.name}-go${go}"]
  platforms = ["linux/amd64"]
}
