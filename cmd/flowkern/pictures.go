package main

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/flowkern/flowkern/flow"
	"github.com/flowkern/flowkern/internal/atomicfile"
)

// The pictures the command draws: training's loss curves, a 2-D model's
// log-density with a colour bar, its samples beside the data, and, for
// more dimensions, a corner plot of samples against data.

var (
	dataColor   = color.NRGBA{R: 90, G: 90, B: 90, A: 255}
	sampleColor = color.NRGBA{R: 200, G: 30, B: 30, A: 255}
	validColor  = color.NRGBA{R: 230, G: 120, B: 0, A: 255}
)

// translucent is c with alpha a.
func translucent(c color.NRGBA, a uint8) color.NRGBA { c.A = a; return c }

// densityRange is the span of log-density, in nats below the highest, that
// the density picture's colours cover: the tails stay visible.
const densityRange = 12

// savePNG draws a w×h picture through paint and writes it to path
// atomically.
func savePNG(path string, w, h vg.Length, paint func(dc draw.Canvas)) error {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	paint(dc)
	return atomicfile.Write(path, false, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
}

// titled draws a title across the top of dc and returns the canvas below.
func titled(dc draw.Canvas, title string) draw.Canvas {
	t := plot.New()
	t.Title.Text = title
	t.Title.TextStyle.Font.Size = vg.Points(12)
	t.HideAxes()
	h := vg.Points(26)
	t.Draw(draw.Crop(dc, 0, 0, dc.Max.Y-dc.Min.Y-h, 0))
	return draw.Crop(dc, 0, 0, 0, -h)
}

// plotLoss draws the training and validation NLL of res's epochs (the
// validation NLL of the starting parameters at epoch 0), marking the best
// epoch.
func plotLoss(path string, res flow.TrainResult, what string) error {
	p := plot.New()
	p.Title.Text = "training " + what
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "negative log-likelihood (nats per row)"
	train, valid := make(plotter.XYs, 0, len(res.History)), make(plotter.XYs, 0, len(res.History)+1)
	if finite(res.InitialValidNLL) {
		valid = append(valid, plotter.XY{X: 0, Y: res.InitialValidNLL})
	}
	for _, r := range res.History {
		train = append(train, plotter.XY{X: float64(r.Epoch), Y: r.TrainNLL})
		valid = append(valid, plotter.XY{X: float64(r.Epoch), Y: r.ValidNLL})
	}
	for _, c := range []struct {
		name string
		xy   plotter.XYs
		col  color.Color
	}{{"training (mean over the epoch's steps)", train, sampleColor}, {"validation (end of epoch)", valid, validColor}} {
		l, pts, err := plotter.NewLinePoints(c.xy)
		if err != nil {
			return err
		}
		l.Color, pts.Color, pts.Radius = c.col, c.col, vg.Points(2)
		p.Add(l, pts)
		p.Legend.Add(c.name, l)
	}
	best := plotter.XYs{{X: float64(res.BestEpoch), Y: res.BestValidNLL}}
	mark, err := plotter.NewScatter(best)
	if err != nil {
		return err
	}
	mark.Shape, mark.Radius, mark.Color = draw.CircleGlyph{}, vg.Points(6), color.Black
	ring, _ := plotter.NewScatter(best)
	ring.Shape, ring.Radius, ring.Color = draw.CircleGlyph{}, vg.Points(4), color.White
	p.Add(mark, ring)
	p.Legend.Add(fmt.Sprintf("best: epoch %d, %.4f", res.BestEpoch, res.BestValidNLL), mark)
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return savePNG(path, 7*vg.Inch, 4.5*vg.Inch, func(dc draw.Canvas) { p.Draw(dc) })
}

// densityGrid is a model's log-density on a square grid, for a heat map.
type densityGrid struct {
	n          int
	xlo, xhi   float64
	ylo, yhi   float64
	z          []float64
	floor, top float64 // the colours' range
}

func (g *densityGrid) Dims() (c, r int)   { return g.n, g.n }
func (g *densityGrid) Z(c, r int) float64 { return math.Max(g.z[r*g.n+c], g.floor) }
func (g *densityGrid) X(c int) float64    { return g.xlo + (float64(c)+0.5)*(g.xhi-g.xlo)/float64(g.n) }
func (g *densityGrid) Y(r int) float64    { return g.ylo + (float64(r)+0.5)*(g.yhi-g.ylo)/float64(g.n) }

// plotDensity draws the log-density logProb gives over the region of the
// 2-D data, its colours spanning densityRange nats below the highest, with
// a colour bar, the columns' names on the axes and title on top.
func plotDensity(path string, logProb func(pts []float64) ([]float64, error), data []float64, names []string, title string) error {
	xlo, xhi := bounds(column(data, 2, 0))
	ylo, yhi := bounds(column(data, 2, 1))
	g := &densityGrid{n: 200, xlo: xlo, xhi: xhi, ylo: ylo, yhi: yhi}
	pts := make([]float64, 0, 2*g.n*g.n)
	for r := range g.n {
		for c := range g.n {
			pts = append(pts, g.X(c), g.Y(r))
		}
	}
	z, err := logProb(pts)
	if err != nil {
		return err
	}
	g.z, g.top = z, math.Inf(-1)
	for _, v := range z {
		g.top = math.Max(g.top, v)
	}
	if math.IsInf(g.top, 0) {
		return fmt.Errorf("no finite log-density over the data's region")
	}
	g.floor = g.top - densityRange
	cm := moreland.ExtendedBlackBody()
	cm.SetMin(g.floor)
	cm.SetMax(g.top)
	p := plot.New()
	p.X.Label.Text, p.Y.Label.Text = names[0], names[1]
	hm := plotter.NewHeatMap(g, cm.Palette(255))
	hm.Min, hm.Max, hm.Rasterized = g.floor, g.top, true
	p.Add(hm)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xlo, xhi, ylo, yhi
	bar := plot.New()
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.HideX()
	bar.Y.Label.Text = fmt.Sprintf("log-density (nats; below %.0f shown as %.0f)", g.floor, g.floor)
	bar.Y.Padding = 0
	return savePNG(path, 6.4*vg.Inch, 5.4*vg.Inch, func(dc draw.Canvas) {
		dc = titled(dc, title)
		w := dc.Max.X - dc.Min.X
		p.Draw(draw.Crop(dc, 0, -1.3*vg.Inch, 0, 0))
		bar.Draw(draw.Crop(dc, w-1.2*vg.Inch, -0.35*vg.Inch, vg.Points(30), -vg.Points(12)))
	})
}

// plotSamplesBeside draws the 2-D data and the model's samples in two
// panels with the same axes.
func plotSamplesBeside(path string, data, samples []float64, names []string, title string) error {
	xlo, xhi := bounds(column(data, 2, 0))
	ylo, yhi := bounds(column(data, 2, 1))
	var row []*plot.Plot
	for _, c := range []struct {
		what string
		v    []float64
		col  color.NRGBA
	}{{"data", data, dataColor}, {"model samples", samples, sampleColor}} {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s (%d rows)", c.what, len(c.v)/2)
		p.X.Label.Text, p.Y.Label.Text = names[0], names[1]
		sc, err := plotter.NewScatter(pairs(c.v, 2, 0, 1))
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius = translucent(c.col, 90), vg.Points(1.1)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(sc)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xlo, xhi, ylo, yhi
		row = append(row, p)
	}
	panels := [][]*plot.Plot{row}
	return savePNG(path, 10*vg.Inch, 5.2*vg.Inch, func(dc draw.Canvas) {
		dc = titled(dc, title)
		tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(16), PadRight: vg.Points(8), PadLeft: vg.Points(4), PadBottom: vg.Points(4)}
		for i, cv := range plot.Align(panels, tiles, dc)[0] {
			panels[0][i].Draw(cv)
		}
	})
}

// cornerPlot draws the chosen columns (indices into rows of dim values)
// of data and samples against each other: below the diagonal each pair,
// the data grey and the samples red, both translucent; on the diagonal
// each column's histograms.
func cornerPlot(path string, data, samples []float64, dim int, cols []int, names []string, title string) error {
	k := len(cols)
	grid := make([][]*plot.Plot, k)
	for i := range k {
		grid[i] = make([]*plot.Plot, k)
		for j := range k {
			p := plot.New()
			grid[i][j] = p
			switch {
			case j > i:
				p.HideAxes()
				continue
			case i == j:
				for _, c := range []struct {
					v   []float64
					col color.NRGBA
				}{{data, dataColor}, {samples, sampleColor}} {
					h, err := plotter.NewHist(plotter.Values(column(c.v, dim, cols[i])), 40)
					if err != nil {
						return err
					}
					h.Normalize(1)
					h.FillColor, h.LineStyle.Color = translucent(c.col, 70), c.col
					p.Add(h)
				}
				p.HideY()
			default:
				for _, c := range []struct {
					v   []float64
					col color.NRGBA
				}{{data, dataColor}, {samples, sampleColor}} {
					sc, err := plotter.NewScatter(pairs(c.v, dim, cols[j], cols[i]))
					if err != nil {
						return err
					}
					sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = translucent(c.col, 50), vg.Points(0.8), draw.CircleGlyph{}
					p.Add(sc)
				}
				p.Y.Min, p.Y.Max = bounds(column(data, dim, cols[i]))
				if j == 0 {
					p.Y.Label.Text = names[cols[i]]
				}
			}
			p.X.Min, p.X.Max = bounds(column(data, dim, cols[j]))
			if i == k-1 {
				p.X.Label.Text = names[cols[j]]
			}
		}
	}
	size := vg.Length(k)*2.3*vg.Inch + 0.6*vg.Inch
	return savePNG(path, size, size+0.4*vg.Inch, func(dc draw.Canvas) {
		dc = titled(dc, title+" — data grey, samples red")
		tiles := draw.Tiles{Rows: k, Cols: k, PadX: vg.Points(6), PadY: vg.Points(6), PadRight: vg.Points(6), PadBottom: vg.Points(4)}
		for i, row := range plot.Align(grid, tiles, dc) {
			for j, cv := range row {
				grid[i][j].Draw(cv)
			}
		}
	})
}

// column returns column c of rows of dim values.
func column(v []float64, dim, c int) []float64 {
	out := make([]float64, len(v)/dim)
	for i := range out {
		out[i] = v[i*dim+c]
	}
	return out
}

// pairs returns the points (column a, column b) of rows of dim values.
func pairs(v []float64, dim, a, b int) plotter.XYs {
	xy := make(plotter.XYs, len(v)/dim)
	for i := range xy {
		xy[i].X, xy[i].Y = v[i*dim+a], v[i*dim+b]
	}
	return xy
}

// bounds returns the range of x with an eighth of it added at each end.
func bounds(x []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	pad := (hi - lo) / 8
	return lo - pad, hi + pad
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
