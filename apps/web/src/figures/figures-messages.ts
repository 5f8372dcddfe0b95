// The public figures page's own words, one catalogue per language (nl, fr, de, en) typed by the
// English one; the tables' titles and labels come from the statistics catalogue. Luxembourg
// Guidelines: "child sexual abuse material" and its agreed equivalents, "self-generated" in quotes,
// never a word that blames a child.
import type { Language } from '../shared/language.js';

const EN = {
  hotline: 'Hotline',
  documentTitle: '{name}: figures {year}',
  titleYear: 'Figures {year}',
  titleAny: 'Yearly figures',
  year: 'Year',
  show: 'Show',
  language: 'Language',
  notPublished: 'The figures of {year} are not published. Figures are published once a year is complete.',
  thatYear: 'that year',
  loadFailed: 'The figures could not be loaded. Please try again later.',
  latest: 'See the latest published figures.',
  intro:
    'Reports of child sexual abuse material the hotline received in {year} (by the date each report arrived) and what became of them. Only totals are published: no report, web address or date finer than a month. To make sure no case can be singled out, counts from 1 to {below} are shown as “< {k}”, and a count that would let a small one be worked out by subtraction is shown as “—”.',
  withheldTitle: 'Withheld so that a small count cannot be worked out',
  withheld: 'withheld',
  unknown: 'Unknown',
  years: '{band} years',
  month: 'Month',
  ageBand: 'Age band',
  count: 'Count',
  total: 'Total',
  noteReportOutcome:
    'A report counts as illegal when at least one of its images was assessed illegal or matched known child sexual abuse material.',
  noteMediaKnown:
    'Previously known: matched material the hotline or its partners had assessed before, so nobody had to view it again.',
  noteAgeSeverity:
    'Images assessed illegal by the hotline: the youngest child seen and the most severe category.',
  noteSelfGenerated:
    'Images assessed illegal: whether the material is "self-generated". This never implies blame on the child.',
  noteContentOrigin: 'Images assessed illegal, by how they were made.',
  noteHostingCountries: 'Web addresses with illegal material, by the country where they were hosted.',
  noteReferralTargets: 'Where cases were referred.',
  noteRemovalTimes: 'Time from the notice to the hosting provider until removal was confirmed.',
};

/** The page's words in one language: exactly the English keys. */
export type FiguresText = { readonly [K in keyof typeof EN]: string };

const NL: FiguresText = {
  hotline: 'Meldpunt',
  documentTitle: '{name}: cijfers {year}',
  titleYear: 'Cijfers {year}',
  titleAny: 'Jaarcijfers',
  year: 'Jaar',
  show: 'Tonen',
  language: 'Taal',
  notPublished:
    'De cijfers van {year} zijn niet gepubliceerd. Cijfers worden gepubliceerd zodra een jaar voorbij is.',
  thatYear: 'dat jaar',
  loadFailed: 'De cijfers konden niet worden geladen. Probeer het later opnieuw.',
  latest: 'Bekijk de laatst gepubliceerde cijfers.',
  intro:
    'Meldingen van materiaal van seksueel misbruik van kinderen die het meldpunt in {year} ontving (volgens de datum waarop elke melding binnenkwam) en wat ermee gebeurde. Alleen totalen worden gepubliceerd: geen melding, webadres of datum fijner dan een maand. Zodat geen enkel geval herkenbaar wordt, staan aantallen van 1 tot {below} als “< {k}”, en een aantal waaruit een klein aantal door aftrekken te berekenen zou zijn als “—”.',
  withheldTitle: 'Achtergehouden zodat een klein aantal niet te berekenen is',
  withheld: 'achtergehouden',
  unknown: 'Onbekend',
  years: '{band} jaar',
  month: 'Maand',
  ageBand: 'Leeftijdsgroep',
  count: 'Aantal',
  total: 'Totaal',
  noteReportOutcome:
    'Een melding telt als illegaal wanneer minstens één van haar beelden als illegaal werd beoordeeld of overeenkwam met bekend materiaal van seksueel misbruik van kinderen.',
  noteMediaKnown:
    'Eerder bekend: kwam overeen met materiaal dat het meldpunt of zijn partners al eerder beoordeelden, zodat niemand het opnieuw moest bekijken.',
  noteAgeSeverity:
    'Beelden die het meldpunt als illegaal beoordeelde: het jongste kind in beeld en de zwaarste categorie.',
  noteSelfGenerated:
    'Beelden beoordeeld als illegaal: of het materiaal “zelfgemaakt” is. Dit legt nooit enige schuld bij het kind.',
  noteContentOrigin: 'Beelden beoordeeld als illegaal, volgens hoe ze gemaakt zijn.',
  noteHostingCountries: 'Webadressen met illegaal materiaal, volgens het land waar ze gehost werden.',
  noteReferralTargets: 'Waarheen zaken werden doorverwezen.',
  noteRemovalTimes: 'Tijd van de kennisgeving aan de hostingprovider tot de bevestigde verwijdering.',
};

const FR: FiguresText = {
  hotline: 'Hotline',
  documentTitle: '{name} : chiffres {year}',
  titleYear: 'Chiffres {year}',
  titleAny: 'Chiffres annuels',
  year: 'Année',
  show: 'Afficher',
  language: 'Langue',
  notPublished:
    'Les chiffres de {year} ne sont pas publiés. Les chiffres sont publiés une fois l’année terminée.',
  thatYear: 'cette année-là',
  loadFailed: 'Les chiffres n’ont pas pu être chargés. Veuillez réessayer plus tard.',
  latest: 'Voir les derniers chiffres publiés.',
  intro:
    'Signalements de matériel d’abus sexuels sur enfants reçus par la hotline en {year} (selon la date d’arrivée de chaque signalement) et ce qu’il en est advenu. Seuls des totaux sont publiés : aucun signalement, aucune adresse web, aucune date plus fine que le mois. Pour qu’aucun cas ne puisse être isolé, les nombres de 1 à {below} sont affichés « < {k} », et un nombre qui permettrait de retrouver un petit nombre par soustraction est affiché « — ».',
  withheldTitle: 'Masqué pour qu’un petit nombre ne puisse pas être retrouvé',
  withheld: 'masqué',
  unknown: 'Inconnu',
  years: '{band} ans',
  month: 'Mois',
  ageBand: 'Tranche d’âge',
  count: 'Nombre',
  total: 'Total',
  noteReportOutcome:
    'Un signalement compte comme illégal quand au moins une de ses images a été évaluée illégale ou correspondait à du matériel d’abus sexuels sur enfants connu.',
  noteMediaKnown:
    'Déjà connu : correspondait à du matériel que la hotline ou ses partenaires avaient déjà évalué, si bien que personne n’a dû le revoir.',
  noteAgeSeverity:
    'Images évaluées illégales par la hotline : le plus jeune enfant visible et la catégorie la plus grave.',
  noteSelfGenerated:
    'Images évaluées illégales : si le matériel est « autoproduit ». Cela n’implique jamais de faute de l’enfant.',
  noteContentOrigin: 'Images évaluées illégales, selon leur mode de production.',
  noteHostingCountries: 'Adresses web avec du matériel illégal, selon le pays où elles étaient hébergées.',
  noteReferralTargets: 'Vers qui les dossiers ont été renvoyés.',
  noteRemovalTimes: 'Délai entre la notification à l’hébergeur et le retrait confirmé.',
};

const DE: FiguresText = {
  hotline: 'Meldestelle',
  documentTitle: '{name}: Zahlen {year}',
  titleYear: 'Zahlen {year}',
  titleAny: 'Jahreszahlen',
  year: 'Jahr',
  show: 'Anzeigen',
  language: 'Sprache',
  notPublished:
    'Die Zahlen für {year} sind nicht veröffentlicht. Zahlen werden veröffentlicht, sobald ein Jahr abgeschlossen ist.',
  thatYear: 'dieses Jahr',
  loadFailed: 'Die Zahlen konnten nicht geladen werden. Bitte versuchen Sie es später erneut.',
  latest: 'Die zuletzt veröffentlichten Zahlen ansehen.',
  intro:
    'Meldungen von Darstellungen sexuellen Kindesmissbrauchs, die die Meldestelle {year} erhalten hat (nach dem Eingangsdatum jeder Meldung), und was daraus wurde. Veröffentlicht werden nur Summen: keine Meldung, keine Webadresse, kein Datum genauer als ein Monat. Damit kein Fall herausgelesen werden kann, erscheinen Zahlen von 1 bis {below} als „< {k}“, und eine Zahl, aus der sich eine kleine durch Subtraktion ergäbe, als „—“.',
  withheldTitle: 'Zurückgehalten, damit sich eine kleine Zahl nicht errechnen lässt',
  withheld: 'zurückgehalten',
  unknown: 'Unbekannt',
  years: '{band} Jahre',
  month: 'Monat',
  ageBand: 'Altersgruppe',
  count: 'Anzahl',
  total: 'Gesamt',
  noteReportOutcome:
    'Eine Meldung gilt als illegal, wenn mindestens eines ihrer Bilder als illegal bewertet wurde oder mit bekannten Darstellungen sexuellen Kindesmissbrauchs übereinstimmte.',
  noteMediaKnown:
    'Bereits bekannt: stimmte mit Material überein, das die Meldestelle oder ihre Partner bereits bewertet hatten, sodass niemand es erneut ansehen musste.',
  noteAgeSeverity:
    'Von der Meldestelle als illegal bewertete Bilder: das jüngste sichtbare Kind und die schwerste Kategorie.',
  noteSelfGenerated:
    'Als illegal bewertete Bilder: ob das Material „selbst erstellt“ ist. Das bedeutet nie eine Schuld des Kindes.',
  noteContentOrigin: 'Als illegal bewertete Bilder, nach ihrer Entstehung.',
  noteHostingCountries: 'Webadressen mit illegalem Material, nach dem Land, in dem sie gehostet waren.',
  noteReferralTargets: 'Wohin Fälle weitergeleitet wurden.',
  noteRemovalTimes: 'Zeit vom Hinweis an den Hosting-Anbieter bis zur bestätigten Entfernung.',
};

/** Every language's words for the figures page. */
export const FIGURES_CATALOGUES: Readonly<Record<Language, FiguresText>> = { nl: NL, fr: FR, de: DE, en: EN };
