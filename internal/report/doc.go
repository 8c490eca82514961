// Package report turns a run's results (or a plan alone) into a report
// people can look at: one self-contained HTML page with a timeline, the
// build graph, each target's steps and failures, and the same data as a
// JSON document for CI dashboards (schema/report.schema.json).
//
// Start with model.go: FromRun and FromPlan build the Report, the one data
// model both formats render. critical.go finds the run's critical path;
// timeline.go and graph.go lay out the two drawings as SVG coordinates
// that page.html.tmpl prints; write.go picks the format by the file name
// and writes it whole or not at all.
package report
