target "default" {
  args = {
    IDX = indexof(["a", "b", "c"], "b")
    MD5 = md5("x")
    SHA1 = sha1("x")
    SHA256 = sha256("x")
    SHA512 = sha512("x")
    B64 = base64encode("x")
    B64D = base64decode("eA==")
    CIDR = cidrhost("10.0.0.0/8", 2)
    NET = cidrnetmask("10.0.0.0/8")
    SUB = cidrsubnet("10.0.0.0/8", 8, 2)
    SUBS = join(",", cidrsubnets("10.0.0.0/8", 8, 8))
    UUIDLEN = strlen(uuidv5("dns", "example.com"))
    UUID4LEN = strlen(uuidv4())
    DATE = formatdate("YYYY", "2024-01-02T03:04:05Z")
    FTS = formattimestamp("YYYY-MM-DD", 1700000000)
    FTSX = formattimestamp("X", "2024-01-02T03:04:05Z")
    UNIX = unixtimestampparse(1700000000).rfc3339
    TADD = timeadd("2024-01-01T00:00:00Z", "1h")
    URL = urlencode("a b&c")
    SPLIT = join("-", split(",", "a,b"))
    TRIM = trimspace("  x ")
    SEMVER = semvercmp("1.2.0", ">=1.0")
    BASE = basename("/a/b/c.txt")
    DIR = dirname("/a/b/c.txt")
    SAN = sanitize("foo/bar:1.0")
    CONV = convert("1", number) + 1
    BCRYPTLEN = strlen(bcrypt("x")) > 10
  }
}
