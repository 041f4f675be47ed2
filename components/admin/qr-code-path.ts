import { create } from "qrcode";

/** A QR code drawn as one SVG path: `size` modules square, each dark module a 1×1 unit square of `path`. */
export interface QrCodePath {
  size: number;
  path: string;
}

/**
 * `text` as a QR code (error correction M: a phone reads it off a screen at an angle), computed here in the
 * browser: the device id it carries is never sent to a QR service. Each row's runs of dark modules become one
 * rectangle each, so a 49-module code is a few hundred path commands, not 2,401.
 */
export function qrCodePath(text: string): QrCodePath {
  const { size, data } = create(text, { errorCorrectionLevel: "M" }).modules;
  const commands: string[] = [];
  for (let y = 0; y < size; y++) {
    let x = 0;
    while (x < size) {
      if (!data[y * size + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && data[y * size + x]) x++;
      commands.push(`M${start} ${y}h${x - start}v1h-${x - start}z`);
    }
  }
  return { size, path: commands.join("") };
}
