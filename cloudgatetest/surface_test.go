package cloudgatetest_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoInternalInExportedAPI keeps the package usable from other modules:
// no exported function, method, type, field, variable or constant may
// mention a type of an internal package (Go refuses to compile such uses
// outside this module). The external-module check in .ci does the same
// end to end.
func TestNoInternalInExportedAPI(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		internal := map[string]string{} // local name -> import path
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !strings.Contains(path, "/internal/") {
				continue
			}
			local := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			internal[local] = path
		}
		report := func(where string, n ast.Node) {
			ast.Inspect(n, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && internal[id.Name] != "" {
						t.Errorf("%s: exported %s uses %s.%s from %s", fset.Position(sel.Pos()), where, id.Name, sel.Sel.Name, internal[id.Name])
					}
				}
				return true
			})
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
					continue
				}
				checked++
				report(d.Name.Name, d.Type)
				if d.Recv != nil {
					report(d.Name.Name, d.Recv)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						checked++
						if st, ok := s.Type.(*ast.StructType); ok {
							for _, fld := range st.Fields.List {
								if len(fld.Names) == 0 || fld.Names[0].IsExported() {
									report(s.Name.Name+" field", fld.Type)
								}
							}
							continue
						}
						report(s.Name.Name, s.Type)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								checked++
								report(n.Name, s)
							}
						}
					}
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d exported declarations found; is the test reading the package?", checked)
	}
}

func exportedRecv(fl *ast.FieldList) bool {
	e := fl.List[0].Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	id, ok := e.(*ast.Ident)
	return ok && id.IsExported()
}

// TestGoDocMentionsNoInternal reads the package's documentation as users
// see it.
func TestGoDocMentionsNoInternal(t *testing.T) {
	out, err := exec.Command("go", "doc", "-all", ".").CombinedOutput()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("go doc -all: %v\n%s", err, out)
		}
		t.Skipf("SKIPPED: go doc -all failed: %v\n%s", err, out)
	}
	for i, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "internal") {
			t.Errorf("go doc line %d mentions an internal package: %s", i+1, line)
		}
	}
}
