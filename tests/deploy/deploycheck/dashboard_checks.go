package main

// Grafana dashboards (helm/switchboard/files/dashboards): valid JSON, unique panel ids,
// every panel inside the 24-column grid and none overlapping another (a
// hand-edited layout that Grafana would silently rearrange), and every
// query panel with a data source and at least one target.

import (
	"encoding/json"
	"os"
	"path/filepath"
)

type gridRect struct {
	title      string
	x, y, w, h int
}

func (a gridRect) overlaps(b gridRect) bool {
	return a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h
}

func checkDashboards(c *checker, monitoring string) {
	boards, _ := filepath.Glob(filepath.Join(monitoring, "dashboards", "*.json"))
	c.expect(len(boards) > 0, "no dashboards under %s", monitoring)
	for _, b := range boards {
		c.scope = filepath.Base(b)
		data, err := os.ReadFile(b)
		var d obj
		if !c.expect(err == nil && json.Unmarshal(data, &d) == nil, "not valid JSON (%v)", err) {
			continue
		}
		checkDashboardLayout(c, pathList(d, "panels"))
	}
	c.scope = ""
}

func checkDashboardLayout(c *checker, panels []interface{}) {
	ids := map[int]string{}
	var placed []gridRect
	var walk func([]interface{})
	walk = func(list []interface{}) {
		for _, p := range list {
			title := pathStr(p, "title")
			id := asInt(path(p, "id"))
			c.expect(id > 0 && ids[id] == "", "panel %q: id %d missing or already used by %q", title, id, ids[id])
			ids[id] = title
			r := gridRect{title, asInt(path(p, "gridPos", "x")), asInt(path(p, "gridPos", "y")),
				asInt(path(p, "gridPos", "w")), asInt(path(p, "gridPos", "h"))}
			c.expect(r.x >= 0 && r.y >= 0 && r.w > 0 && r.h > 0 && r.x+r.w <= 24, "panel %q: gridPos %+v outside the 24-column grid", title, r)
			var overlapped []string
			for _, o := range placed {
				if r.overlaps(o) {
					overlapped = append(overlapped, o.title)
				}
			}
			c.expect(len(overlapped) == 0, "panel %q overlaps %q", title, overlapped)
			placed = append(placed, r)
			if pathStr(p, "type") != "row" {
				c.expect(pathStr(p, "datasource", "uid") != "" && len(pathList(p, "targets")) > 0,
					"panel %q: no data source or no targets", title)
			}
			walk(pathList(p, "panels")) // a collapsed row keeps its panels here
		}
	}
	walk(panels)
}
