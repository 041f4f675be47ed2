/**
 * Content for a Leaflet tooltip or popup made of user-supplied strings.
 * Leaflet inserts string content with `innerHTML`, so a call sign such as
 * `<img src=x onerror=…>` would become markup on every map that shows it: each
 * part goes in as a text node instead, inside its own `<bdi>` so a right-to-left
 * override in one name cannot reorder the text around it.
 */
export function textLabel(...parts: Array<string | { text: string }>): HTMLElement {
  const label = document.createElement("span");
  for (const part of parts) {
    if (typeof part === "string") {
      label.append(document.createTextNode(part));
    } else {
      const isolated = document.createElement("bdi");
      isolated.textContent = part.text;
      label.append(isolated);
    }
  }
  return label;
}
