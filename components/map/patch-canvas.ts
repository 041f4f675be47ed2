import L from "leaflet";

/**
 * Leaflet's canvas renderer, redrawing each changed layer's own patch instead of one rectangle around them all.
 *
 * Leaflet unions the bounds of every layer that changed since the last animation frame and redraws everything inside
 * that union. With a city's fleet reporting, a few vehicles move each frame anywhere in view, so the union was most
 * of the canvas and every marker was redrawn every frame: zoomed in over a district with 5,000 vehicles, frames every
 * 50–70 ms and long tasks (`npm run bench -- --map`). Here each changed layer's old and new bounds are cleared, and
 * the layers near them (found through a grid, not by testing every layer against every patch) are redrawn once,
 * clipped to all the patches together. Past `MAX_PATCHES` in one frame the union is cheaper, and Leaflet's own
 * redraw runs; a full redraw (a pan or zoom: no bounds at all) stays Leaflet's.
 */

/** Patches per frame above which Leaflet redraws their union (64): by then much of what is drawn is changing anyway. */
const MAX_PATCHES = 64;

/** Side of the grid cells that find the layers near a patch: 64 px (a marker is about 36 px across). */
const CELL_PX = 64;

const cellOf = (px: number) => Math.floor(px / CELL_PX);
/** One number per cell; layer points stay well inside ±2 million px. */
const cellKey = (cx: number, cy: number) => (cx + 32_768) * 65_536 + (cy + 32_768);

/** True when `bounds` lies in a cell a patch touches (it may still miss the patch: the clip keeps that exact). */
function touches(cells: ReadonlySet<number>, bounds: { min: L.Point; max: L.Point }): boolean {
  for (let cx = cellOf(bounds.min.x); cx <= cellOf(bounds.max.x); cx++) {
    for (let cy = cellOf(bounds.min.y); cy <= cellOf(bounds.max.y); cy++) if (cells.has(cellKey(cx, cy))) return true;
  }
  return false;
}

/** Leaflet's renderer internals (`_redrawBounds`, `_clear`, `_draw`) have no types. */
const base = L.Canvas.prototype as any;

const PatchCanvas = L.Canvas.extend({
  _extendRedrawBounds(this: any, layer: any) {
    if (layer._pxBounds) {
      const padding = (layer.options.weight || 0) + 1;
      (this._patches ??= []).push(L.bounds(layer._pxBounds.min.subtract([padding, padding]), layer._pxBounds.max.add([padding, padding])));
    }
    base._extendRedrawBounds.call(this, layer);
  },

  _redraw(this: any) {
    const patches: Array<{ min: L.Point; max: L.Point }> | null = this._patches ?? null;
    this._patches = null;
    if (!this._redrawBounds || !patches || patches.length > MAX_PATCHES) {
      base._redraw.call(this);
      return;
    }
    this._redrawRequest = null;
    this._redrawBounds = null;
    const ctx: CanvasRenderingContext2D = this._ctx;
    // Clear every patch and clip to all of them at once; the grid cells they touch pick the layers to redraw.
    const cells = new Set<number>();
    ctx.save();
    ctx.beginPath();
    for (const { min, max } of patches) {
      const x0 = Math.floor(min.x);
      const y0 = Math.floor(min.y);
      const x1 = Math.ceil(max.x);
      const y1 = Math.ceil(max.y);
      ctx.clearRect(x0, y0, x1 - x0, y1 - y0);
      ctx.rect(x0, y0, x1 - x0, y1 - y0);
      for (let cx = cellOf(x0); cx <= cellOf(x1); cx++) for (let cy = cellOf(y0); cy <= cellOf(y1); cy++) cells.add(cellKey(cx, cy));
    }
    ctx.clip();
    this._drawing = true;
    for (let order = this._drawFirst; order; order = order.next) {
      const bounds = order.layer._pxBounds;
      if (bounds && touches(cells, bounds)) order.layer._updatePath();
    }
    this._drawing = false;
    ctx.restore();
  },
}) as unknown as new (options?: L.RendererOptions) => L.Canvas;

/** Creates the renderer; options as `L.canvas`'s. */
export function patchCanvas(options?: L.RendererOptions): L.Canvas {
  return new PatchCanvas(options);
}
