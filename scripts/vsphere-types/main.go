// Command vsphere-types writes clouds/vsphere/wire/generated.ts: the SOAP wire types fauxcloud's
// vSphere cloud speaks, read from govmomi's generated Go types (vim25/types, vim25/mo, cns/types,
// pbm/types, vsan/types, vslm/types) in the module cache, so no XML shape is ever copied by hand.
//
// govmomi generates those files from VMware's WSDL and vmodl data; they are the most complete
// public, machine-readable description of the wire (the WSDL itself is not redistributable).
// The program parses the source with go/parser rather than reflecting over the compiled types:
// response types, request types and managed-object property structs are not all in govmomi's
// runtime registry, and enum values exist only as constants.
//
// It emits the closure of the roots below: each type's base type, its fields in declaration order
// (XML name, type, array, optional, polymorphic), enums with their values, methods with their
// parameters and return value, and managed objects with their properties.
//
// Usage (from this directory): go run . > ../../clouds/vsphere/wire/generated.ts
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// pkg is one parsed govmomi package.
type pkg struct {
	name    string // import alias used by other packages ("types", "vsanfstypes", …)
	dir     string
	ns      string // XML namespace prefix its registered names carry ("" for vim25)
	specs   map[string]*ast.TypeSpec
	xmlName map[string]string // Go name -> registered XML type name
	consts  map[string][]string
	imports map[string]*pkg // alias -> package, per file (merged)
}

type field struct {
	Name     string
	Type     string
	Array    bool
	Optional bool
	Poly     bool
	Attr     bool
	Text     bool
}

type typeDef struct {
	Name   string
	Base   string
	Fields []field
	Enum   []string
	IsEnum bool
}

var (
	pkgs   = map[string]*pkg{}
	out    = map[string]*typeDef{}
	queue  []ref
	regRe  = regexp.MustCompile(`(?:t\[|types\.Add\()"([^"]+)"\]?,? *=? *reflect\.TypeOf\(\(\*(\w+)\)`)
	primit = map[string]string{
		"string": "xsd:string", "bool": "xsd:boolean", "int": "xsd:long", "int64": "xsd:long", "int32": "xsd:int",
		"int16": "xsd:short", "int8": "xsd:byte", "uint8": "xsd:unsignedByte", "byte": "xsd:unsignedByte",
		"uint16": "xsd:unsignedShort", "uint32": "xsd:unsignedInt", "uint64": "xsd:unsignedLong",
		"float32": "xsd:float", "float64": "xsd:double",
	}
)

type ref struct {
	p    *pkg
	name string
}

func main() {
	dir := moduleDir("github.com/vmware/govmomi")
	vim := load("types", filepath.Join(dir, "vim25/types"), "")
	mo := load("mo", filepath.Join(dir, "vim25/mo"), "")
	vsanfs := load("vsanfstypes", filepath.Join(dir, "vsan/vsanfs/types"), "")
	cns := load("cnstypes", filepath.Join(dir, "cns/types"), "")
	pbm := load("pbmtypes", filepath.Join(dir, "pbm/types"), "pbm")
	vsan := load("vsantypes", filepath.Join(dir, "vsan/types"), "")
	vslm := load("vslmtypes", filepath.Join(dir, "vslm/types"), "vslm")
	for _, p := range []*pkg{mo, vsanfs, cns, pbm, vsan, vslm} {
		p.imports["types"] = vim
	}
	cns.imports["vsanfstypes"] = vsanfs
	vsan.imports["vsanfstypes"] = vsanfs

	methods := map[string][2]ref{}
	addMethods := func(p *pkg, names ...string) {
		for _, m := range names {
			req := m + "RequestType"
			if p.specs[req] == nil {
				req = m
			}
			methods[m] = [2]ref{{p, req}, {p, m + "Response"}}
			enqueue(p, req)
			enqueue(p, m+"Response")
		}
	}
	addMethods(vim, vimMethods...)
	addMethods(cns, cnsMethods...)
	addMethods(pbm, pbmMethods...)
	addMethods(vsan, vsanMethods...)
	addMethods(vslm, vslmMethods...)
	for _, n := range vimTypes {
		enqueue(vim, n)
	}
	for _, n := range cnsTypes {
		enqueue(cns, n)
	}
	for _, n := range pbmTypes {
		enqueue(pbm, n)
	}
	for _, n := range vslmTypes {
		enqueue(vslm, n)
	}
	managed := map[string]*typeDef{}
	for _, n := range managedObjects {
		managed[n] = structOf(mo, n, true)
	}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		key := wireName(r.p, r.name)
		if out[key] != nil {
			continue
		}
		out[key] = build(r.p, r.name)
	}
	emit(methods, managed)
}

func moduleDir(mod string) string {
	b, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod).Output()
	if err != nil {
		fail("go list -m %s: %v", mod, err)
	}
	return strings.TrimSpace(string(b))
}

func fail(f string, a ...any) {
	fmt.Fprintf(os.Stderr, "vsphere-types: "+f+"\n", a...)
	os.Exit(1)
}

func load(alias, dir, ns string) *pkg {
	p := &pkg{name: alias, dir: dir, ns: ns, specs: map[string]*ast.TypeSpec{}, xmlName: map[string]string{}, consts: map[string][]string{}, imports: map[string]*pkg{}}
	fset := token.NewFileSet()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		for _, m := range regRe.FindAllStringSubmatch(string(src), -1) {
			p.xmlName[m[2]] = m[1]
		}
		file, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			fail("%v", err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range g.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					p.specs[s.Name.Name] = s
				case *ast.ValueSpec:
					if g.Tok != token.CONST || len(s.Values) != 1 {
						continue
					}
					// Enum constants: Name = EnumType("value")
					if c, ok := s.Values[0].(*ast.CallExpr); ok && len(c.Args) == 1 {
						if id, ok := c.Fun.(*ast.Ident); ok {
							if lit, ok := c.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								v, _ := strconv.Unquote(lit.Value)
								p.consts[id.Name] = append(p.consts[id.Name], v)
							}
						}
					}
				}
			}
		}
	}
	pkgs[alias] = p
	return p
}

// wireName is the XML type name a Go type travels as (its registered name, else its Go name).
func wireName(p *pkg, goName string) string {
	if n, ok := p.xmlName[goName]; ok {
		return n
	}
	if p.ns != "" {
		return p.ns + ":" + goName
	}
	return goName
}

func enqueue(p *pkg, name string) {
	if p.specs[name] == nil {
		fail("no type %s in %s", name, p.dir)
	}
	queue = append(queue, ref{p, name})
}

// resolve follows `type A B` definitions to the spec that has the shape.
func resolve(p *pkg, name string) (*pkg, *ast.TypeSpec) {
	s := p.specs[name]
	for s != nil {
		switch t := s.Type.(type) {
		case *ast.Ident:
			if p.specs[t.Name] != nil {
				s = p.specs[t.Name]
				continue
			}
		}
		return p, s
	}
	return p, nil
}

func build(p *pkg, name string) *typeDef {
	_, s := resolve(p, name)
	if id, ok := s.Type.(*ast.Ident); ok && id.Name == "string" {
		vals := p.consts[name]
		sort.Strings(vals)
		return &typeDef{Name: wireName(p, name), IsEnum: true, Enum: vals}
	}
	return structOf(p, name, false)
}

func structOf(p *pkg, name string, managed bool) *typeDef {
	_, s := resolve(p, name)
	st, ok := s.Type.(*ast.StructType)
	if !ok {
		fail("%s is not a struct", name)
	}
	td := &typeDef{Name: wireName(p, name)}
	for _, f := range st.Fields.List {
		tag := ""
		if f.Tag != nil {
			tag, _ = strconv.Unquote(f.Tag.Value)
		}
		if len(f.Names) == 0 { // embedded: the base type
			bp, bn := typeRef(p, f.Type)
			if bp != nil {
				td.Base = wireName(bp, bn)
				if managed {
					// managed objects' bases are managed objects too (ManagedEntity, ExtensibleManagedObject)
					td.Base = bn
				} else {
					enqueue(bp, bn)
				}
			}
			continue
		}
		xmlName, opts := tagName(tag, "xml")
		if managed {
			xmlName, opts = tagName(tag, "json")
		}
		if xmlName == "-" || f.Names[0].Name == "XMLName" || (!managed && xmlName == "" && !hasOpt(opts, "chardata")) {
			continue
		}
		fd := field{Name: xmlName, Attr: hasOpt(opts, "attr"), Text: hasOpt(opts, "chardata")}
		if fd.Text {
			fd.Name = "value"
		}
		t := f.Type
		if star, ok := t.(*ast.StarExpr); ok {
			fd.Optional, t = true, star.X
		}
		if arr, ok := t.(*ast.ArrayType); ok {
			if id, ok := arr.Elt.(*ast.Ident); ok && (id.Name == "byte" || id.Name == "uint8") {
				fd.Type = "xsd:base64Binary"
				td.Fields = append(td.Fields, fd)
				continue
			}
			fd.Array, t = true, arr.Elt
			if star, ok := t.(*ast.StarExpr); ok {
				t = star.X
			}
		}
		if hasOpt(opts, "omitempty") {
			fd.Optional = true
		}
		fd.Type, fd.Poly = fieldType(p, t)
		td.Fields = append(td.Fields, fd)
	}
	return td
}

func hasOpt(opts, o string) bool {
	for _, x := range strings.Split(opts, ",") {
		if x == o {
			return true
		}
	}
	return false
}

func tagName(tag, key string) (string, string) {
	v := reflectTag(tag, key)
	name, opts, _ := strings.Cut(v, ",")
	if i := strings.LastIndex(name, " "); i >= 0 { // "urn:vim25 Name"
		name = name[i+1:]
	}
	return name, opts
}

func reflectTag(tag, key string) string {
	for tag != "" {
		i := strings.Index(tag, ":")
		if i < 0 {
			return ""
		}
		k := strings.TrimSpace(tag[:i])
		rest := tag[i+1:]
		v, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return ""
		}
		tag = rest[len(v):]
		if k == key {
			u, _ := strconv.Unquote(v)
			return u
		}
	}
	return ""
}

// typeRef names the package and Go type an expression refers to (nil package for builtins).
func typeRef(p *pkg, e ast.Expr) (*pkg, string) {
	switch t := e.(type) {
	case *ast.Ident:
		if p.specs[t.Name] != nil {
			return p, t.Name
		}
		return nil, t.Name
	case *ast.SelectorExpr:
		alias := t.X.(*ast.Ident).Name
		if alias == "time" && t.Sel.Name == "Time" {
			return nil, "time.Time"
		}
		q := p.imports[alias]
		if q == nil {
			fail("unknown package %s in %s", alias, p.dir)
		}
		return q, t.Sel.Name
	case *ast.StarExpr:
		return typeRef(p, t.X)
	}
	fail("unsupported type expression %T in %s", e, p.dir)
	return nil, ""
}

// fieldType gives the wire type name of a field's Go type and whether it is polymorphic.
func fieldType(p *pkg, e ast.Expr) (string, bool) {
	q, n := typeRef(p, e)
	if q == nil {
		if n == "time.Time" {
			return "xsd:dateTime", false
		}
		if x, ok := primit[n]; ok {
			return x, false
		}
		if n == "any" {
			return "anyType", true
		}
		fail("unknown builtin %s", n)
	}
	if n == "AnyType" {
		return "anyType", true
	}
	_, s := resolve(q, n)
	if _, ok := s.Type.(*ast.InterfaceType); ok {
		// BaseX interfaces stand for X and every type derived from it.
		base := strings.TrimPrefix(n, "Base")
		if q.specs[base] == nil {
			return "anyType", true
		}
		enqueue(q, base)
		return wireName(q, base), true
	}
	if arr, ok := s.Type.(*ast.ArrayType); ok {
		if id, ok := arr.Elt.(*ast.Ident); ok && (id.Name == "byte" || id.Name == "uint8") {
			return "xsd:base64Binary", false
		}
	}
	if id, ok := s.Type.(*ast.Ident); ok && primit[id.Name] != "" && len(q.consts[n]) == 0 && id.Name != "string" {
		return primit[id.Name], false
	}
	enqueue(q, n)
	return wireName(q, n), false
}

func emit(methods map[string][2]ref, managed map[string]*typeDef) {
	w := os.Stdout
	fmt.Fprintln(w, "// Code generated by scripts/vsphere-types from github.com/vmware/govmomi's generated types. DO NOT EDIT.")
	fmt.Fprintln(w, "// Regenerate: cd scripts/vsphere-types && go run . > ../../clouds/vsphere/wire/generated.ts")
	fmt.Fprintln(w, "import type { WireField, WireMethod, WireType } from './model.js';")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "export const TYPES: Readonly<Record<string, WireType>> = {")
	for _, k := range sortedKeys(out) {
		fmt.Fprintf(w, "  %s: %s,\n", strconv.Quote(k), typeJSON(out[k]))
	}
	fmt.Fprintln(w, "};")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "export const METHODS: Readonly<Record<string, WireMethod>> = {")
	names := make([]string, 0, len(methods))
	for m := range methods {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		req := out[wireName(methods[m][0].p, methods[m][0].name)]
		res := out[wireName(methods[m][1].p, methods[m][1].name)]
		ret := "undefined"
		if len(res.Fields) > 0 {
			ret = fieldJSON(res.Fields[0])
		}
		fmt.Fprintf(w, "  %s: { params: %s, returns: %s },\n", strconv.Quote(m), strconv.Quote(req.Name), ret)
	}
	fmt.Fprintln(w, "};")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "/** Managed object types: base type and properties (as the PropertyCollector names them). */")
	fmt.Fprintln(w, "export const MANAGED: Readonly<Record<string, WireType>> = {")
	for _, k := range sortedKeys(managed) {
		fmt.Fprintf(w, "  %s: %s,\n", strconv.Quote(k), typeJSON(managed[k]))
	}
	fmt.Fprintln(w, "};")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "export type { WireField };")
}

func sortedKeys(m map[string]*typeDef) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func typeJSON(t *typeDef) string {
	if t.IsEnum {
		q := make([]string, len(t.Enum))
		for i, v := range t.Enum {
			q[i] = strconv.Quote(v)
		}
		return fmt.Sprintf("{ enum: [%s] }", strings.Join(q, ", "))
	}
	parts := []string{}
	if t.Base != "" {
		parts = append(parts, "base: "+strconv.Quote(t.Base))
	}
	fs := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		fs[i] = fieldJSON(f)
	}
	parts = append(parts, "fields: ["+strings.Join(fs, ", ")+"]")
	return "{ " + strings.Join(parts, ", ") + " }"
}

// fieldJSON is [name, type, flags]: 1 array, 2 optional, 4 polymorphic (xsi:type), 8 attribute, 16 text.
func fieldJSON(f field) string {
	flags := 0
	for i, b := range []bool{f.Array, f.Optional, f.Poly, f.Attr, f.Text} {
		if b {
			flags |= 1 << i
		}
	}
	return fmt.Sprintf("[%s, %s, %d]", strconv.Quote(f.Name), strconv.Quote(f.Type), flags)
}
