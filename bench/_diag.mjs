import { benignImage } from './lib/benign-images.mjs';
import { TRANSFORMS, decode } from './lib/robustness-transforms.mjs';
import { findContentRect, findFrameRects, pdqHash, collapseGrey, cropPixels } from '@hashline/pdq';
const [t, ...ids] = process.argv.slice(2);
const hd = (a,b)=>{let d=0;for(let i=0;i<a.length;i++){let x=a[i]^b[i];while(x){d+=x&1;x>>=1;}}return d;};
for (const id of ids.map(Number)) {
  const img = benignImage(id);
  const px = collapseGrey(img);
  const bt = findContentRect(px);
  const q = await decode(await TRANSFORMS[t](img, id));
  const qt = [findContentRect(q), ...findFrameRects(q)].map(r=>r && [r.x,r.y,r.width,r.height, hd(pdqHash(cropPixels(q,r)).hash, pdqHash(px).hash)].join(","));
  let exp;
  if (t.startsWith('screenshot')) {
    const s = Math.min(672/img.width, 992/img.height); const iw=Math.round(img.width*s), ih=Math.round(img.height*s);
    exp = {x: Math.floor((720-iw)/2)*0.75, y:160*0.75, width: iw*0.75, height: ih*0.75};
  }
  const ph = pdqHash(px).hash;
  let dExp = '';
  if (exp) { const r = {x:Math.round(exp.x),y:Math.round(exp.y),width:Math.round(exp.width),height:Math.round(exp.height)}; dExp = hd(pdqHash(cropPixels(q,r)).hash, ph); }
  console.log(id, img.kind, `${img.width}x${img.height}`, 'bankTrim', JSON.stringify(bt), 'qTrim', JSON.stringify(qt), 'expected', JSON.stringify(exp), 'd(exactRect,primary)', dExp);
}
