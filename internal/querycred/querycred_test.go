package querycred

import "testing"

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
		oauth     string // FindOAuth's answer when it differs
	}{
		{"", "", ""},
		{"page=2&pageSize=10", "", ""},
		{"access_token=x", "access_token", ""},
		{"pageSize=1&access_token=cgs_abc", "access_token", ""},
		{"ACCESS_TOKEN=x", "access_token", ""},
		{"access%5Ftoken=x", "access_token", ""},
		{"%61ccess_token", "access_token", ""},
		{"page=1;refresh_token=x", "refresh_token", ""},
		{"token%0C=x", "token", ""},      // form feed, trimmed as strings.TrimSpace does
		{"%C2%A0token=x", "token", ""},   // a Unicode space before the name
		{"to%E2%84%AAen=x", "token", ""}, // the Kelvin sign folds to k
		{"%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20token", "token", ""},
		{"+token+=x", "token", ""},
		{"token" + "%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20%20" + "=x", "token", ""},
		{"token", "token", ""},
		{"code=&x=1", "code", ""},
		{"x=access_token", "", ""},
		{"tokens=1", "", ""},
		{"mytoken=1", "", ""},
		{"X-VMware-vCloud-Access-Token=1", "x-vmware-vcloud-access-token", ""},
		{"x-vmware-vcloud-access-token-extra=1", "", ""},
		{"grant_type=refresh_token", "", "grant_type"},
		{"client_id=abc", "", "client_id"},
		{"username=bob", "", "username"},
		{"%zz=1&password=x", "password", ""},
		{"&&;;=&client_secret", "client_secret", ""},
		{"filter=name%3D%3Dtoken", "", ""},
	} {
		got, ok := Find(tc.raw)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Find(%q) = %q, %v; want %q", tc.raw, got, ok, tc.want)
		}
		wantOAuth := tc.want
		if tc.oauth != "" {
			wantOAuth = tc.oauth
		}
		if got, _ := FindOAuth(tc.raw); got != wantOAuth {
			t.Errorf("FindOAuth(%q) = %q; want %q", tc.raw, got, wantOAuth)
		}
	}
}

func TestFindDoesNotAllocate(t *testing.T) {
	raw := "page=2&pageSize=25&filter=name%3D%3Dalice&sortDesc=createdAt&Access%5FToken=x"
	if n := testing.AllocsPerRun(100, func() { Find(raw) }); n != 0 {
		t.Fatalf("Find allocates %v times per call", n)
	}
}

func BenchmarkFind(b *testing.B) {
	raw := "page=2&pageSize=25&filter=name%3D%3Dalice&sortDesc=createdAt"
	b.ReportAllocs()
	for b.Loop() {
		Find(raw)
	}
}

func TestNamesMatch(t *testing.T) {
	for _, n := range Names() {
		if got := match([]byte(n), false); got != n {
			t.Errorf("match(%q) = %q", n, got)
		}
	}
}

func BenchmarkFindEmpty(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Find("")
	}
}
