package vcd

import (
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cloudgate/cloudgate/internal/apierr"
	"github.com/cloudgate/cloudgate/internal/fiql"
	"github.com/cloudgate/cloudgate/internal/store"
)

// ListQuery is a parsed OpenAPI list request: page (1-based), pageSize,
// filter, sortAsc/sortDesc.
type ListQuery struct {
	Page     int
	PageSize int
	Filter   fiql.Expr
	Sort     []store.Sort
}

// listParams are the query parameters of an OpenAPI list.
var listParams = [...]string{"page", "pageSize", "filter", "sortAsc", "sortDesc"}

// MaxPageSize is Cloud Director's limit for OpenAPI lists.
const MaxPageSize = 128

// ParseList reads the list parameters of r, checking the filter and sort
// fields against schema. Every problem is a 400 that says what is wrong
// (for a filter: at which character).
func ParseList(r *http.Request, schema fiql.Schema, defaultSize int) (ListQuery, error) {
	q := r.URL.Query()
	lq := ListQuery{Page: 1, PageSize: defaultSize}
	for _, name := range listParams {
		if len(q[name]) > 1 {
			return lq, apierr.New(apierr.Invalid, "query parameter %q is given more than once", name)
		}
	}
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return lq, apierr.New(apierr.Invalid, "page must be a whole number of at least 1")
		}
		lq.Page = n
	}
	if s := q.Get("pageSize"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > MaxPageSize {
			return lq, apierr.New(apierr.Invalid, "pageSize must be a whole number from 0 to %d", MaxPageSize)
		}
		lq.PageSize = n
	}
	if lq.Page > math.MaxInt32/max(lq.PageSize, 1) {
		return lq, apierr.New(apierr.Invalid, "page is too large")
	}
	if s := q.Get("filter"); s != "" {
		e, err := fiql.Parse(s)
		if err == nil {
			err = schema.Check(e)
		}
		if err != nil {
			return lq, apierr.New(apierr.Invalid, "%s", err.Error())
		}
		lq.Filter = e
	}
	for _, dir := range []string{"sortAsc", "sortDesc"} {
		s := q.Get(dir)
		if s == "" {
			continue
		}
		if _, ok := schema[s]; !ok {
			return lq, apierr.New(apierr.Invalid, "cannot sort by %q; sortable fields are %s", s, fieldList(schema))
		}
		lq.Sort = append(lq.Sort, store.Sort{Field: s, Desc: dir == "sortDesc"})
	}
	if len(lq.Sort) > 1 {
		return lq, apierr.New(apierr.Invalid, "give either sortAsc or sortDesc, not both")
	}
	return lq, nil
}

func fieldList(s fiql.Schema) string {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sortStrings(names)
	return strings.Join(names, ", ")
}

// StorePage returns the store window for lq.
func (lq ListQuery) StorePage() store.Page {
	return store.Page{Offset: (lq.Page - 1) * lq.PageSize, Limit: lq.PageSize}
}

// Page is the OpenAPI page envelope.
type Page[T any] struct {
	ResultTotal  int  `json:"resultTotal"`
	PageCount    int  `json:"pageCount"`
	Page         int  `json:"page"`
	PageSize     int  `json:"pageSize"`
	Associations *any `json:"associations"`
	Values       []T  `json:"values"`
}

// WritePage answers a list: the envelope plus absolute Link headers for
// the first, previous, next and last pages (govcd follows rel="nextPage";
// it must not appear on the last page or govcd loops forever). model names
// the list type in the links ("TokenList").
func WritePage[T any](c *Call, base, model string, lq ListQuery, total int, values []T) {
	if values == nil {
		values = []T{}
	}
	pages := 0
	if lq.PageSize > 0 {
		pages = (total + lq.PageSize - 1) / lq.PageSize
	}
	// Links carry only the parameters a list understands: anything else
	// in the request's query (a mistaken token above all; see querycred)
	// would be copied into every page a client follows.
	orig := c.R.URL.Query()
	kept := url.Values{}
	for _, name := range listParams {
		if v := orig.Get(name); v != "" {
			kept.Set(name, v)
		}
	}
	link := func(page int, rel string) string {
		q := maps.Clone(kept)
		q.Set("page", strconv.Itoa(page))
		q.Set("pageSize", strconv.Itoa(lq.PageSize))
		u := url.URL{Path: c.R.URL.Path, RawQuery: q.Encode()}
		return fmt.Sprintf(`<%s%s>;rel="%s";type="application/json";model="%s"`, base, u.String(), rel, model)
	}
	if pages > 0 {
		links := []string{link(1, "firstPage")}
		if lq.Page > 1 {
			links = append(links, link(min(lq.Page-1, pages), "previousPage"))
		}
		if lq.Page < pages {
			links = append(links, link(lq.Page+1, "nextPage"))
		}
		links = append(links, link(pages, "lastPage"))
		for _, l := range links {
			c.W.Header().Add("Link", l)
		}
	}
	WriteJSON(c.W, http.StatusOK, &c.Version, Page[T]{ResultTotal: total, PageCount: pages, Page: lq.Page, PageSize: lq.PageSize, Values: values})
}
