import { benignImage } from './lib/benign-images.mjs';
import { TRANSFORMS, decode } from './lib/robustness-transforms.mjs';
const img = benignImage(4);
const q = await decode(await TRANSFORMS['screenshot-light'](img, 4));
console.log(q.channels, q.stride, q.width);
const L=(x,y)=>{const a=y*q.width*q.channels+x*q.channels; return 0.299*q.data[a]+0.587*q.data[a+1]+0.114*q.data[a+2];};
for (let x=14;x<32;x++){let s=0;for(let y=120;y<403;y++) s+=Math.abs(L(x,y)-L(x-1,y)); console.log(x, (s/283).toFixed(1), L(x,200).toFixed(0));}
import { findFrameRects } from '@hashline/pdq';
console.log(findFrameRects(q));
