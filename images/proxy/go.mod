module coopci.local/proxy

go 1.22
