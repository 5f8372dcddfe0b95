// The page's words in Dutch, French, German and English. Written for a scared 14-year-old: short
// sentences, no blame, what happens next, where to get help. Terms follow the Luxembourg
// Terminology Guidelines (no wording that blames the young person or implies consent).

import type { Language } from '../shared/language.js';

// Language negotiation is shared with the other pages (the report form).
export { LANGUAGES, fill, preferredLanguage, type Language } from '../shared/language.js';

/** Every text of the page; `{x}` marks a value filled in at run time. */
export interface Messages {
  readonly languageName: string;
  readonly languageLabel: string;
  readonly tabSubmit: string;
  readonly tabCase: string;
  readonly title: string;
  readonly intro: readonly string[];
  readonly howTitle: string;
  readonly how: readonly string[];
  readonly whoTitle: string;
  readonly whoMinor: string;
  readonly whoAdult: string;
  readonly pick: string;
  readonly pickHint: string;
  readonly hashing: string;
  readonly ready: string;
  readonly lowQuality: string;
  readonly unreadable: string;
  readonly remove: string;
  readonly previewAlt: string;
  readonly video: string;
  readonly videoFrames: string;
  readonly confirmTitle: string;
  readonly confirmText: string;
  readonly send: string;
  readonly sending: string;
  readonly sendFailed: string;
  readonly doneTitle: string;
  readonly doneText: string;
  readonly writeDown: string;
  readonly caseNumber: string;
  readonly pin: string;
  readonly doneNext: string;
  readonly startOver: string;
  readonly caseTitle: string;
  readonly caseIntro: string;
  readonly check: string;
  readonly withdraw: string;
  readonly withdrawConfirm: string;
  readonly statusActive: string;
  readonly statusWithdrawn: string;
  readonly wrongCredentials: string;
  readonly tooManyTries: string;
  readonly helpTitle: string;
  readonly helpTrust: string;
  readonly helpLine: string;
  readonly helpPolice: string;
  readonly helpThreat: string;
  readonly notYourFault: string;
}

const en: Messages = {
  languageName: 'English',
  languageLabel: 'Language',
  tabSubmit: 'Stop my pictures',
  tabCase: 'My case',
  title: 'Stop your pictures from spreading',
  intro: [
    'Did someone share a nude or sexual picture or video of you, or threaten to?',
    'It is not your fault. You can do something about it now.',
  ],
  howTitle: 'How it works',
  how: [
    'Your pictures stay on your device. Nobody sees them. They are never sent.',
    'This page makes a code for each picture, like a fingerprint. Only these codes are sent.',
    'Services that take part use the codes to find copies. Their staff check a match before they remove anything.',
    'It only works on services that take part. It does not work in private, encrypted chats.',
  ],
  whoTitle: 'How old were you in the pictures?',
  whoMinor: 'Under 18',
  whoAdult: '18 or older',
  pick: 'Choose pictures or videos',
  pickHint: 'Nothing is sent yet. You can check everything first.',
  hashing: 'Making the code…',
  ready: 'Code ready',
  lowQuality:
    'This picture has too little detail to be recognised. Please choose a clearer original, not a screenshot or a small copy.',
  unreadable: 'This file could not be read. Choose a photo (JPEG, PNG, WebP or GIF).',
  remove: 'Remove',
  previewAlt: 'Your picture (it stays on this device)',
  video: 'Video',
  videoFrames: '{count} frames hashed (one per second)',
  confirmTitle: 'Ready to send',
  confirmText:
    'Only {count} codes and your age group will be sent. No pictures, no file names, no name, no phone number.',
  send: 'Send the codes',
  sending: 'Sending…',
  sendFailed: 'Sending did not work. Please try again in a moment.',
  doneTitle: 'Done. Your codes are on the list.',
  doneText: 'Services that take part will now look for copies.',
  writeDown:
    'Write these two numbers down now. We will never show them again, and nobody can look them up for you.',
  caseNumber: 'Case number',
  pin: 'PIN',
  doneNext: 'With them you can check your case, or take the codes back, at any time.',
  startOver: 'Add more pictures (new case)',
  caseTitle: 'Check or withdraw your case',
  caseIntro: 'Type the case number and PIN you wrote down.',
  check: 'Check',
  withdraw: 'Withdraw the codes',
  withdrawConfirm: 'Your codes will be deleted and stop matching. Continue?',
  statusActive: 'Active: codes of {count} pictures are on the list, since {day}.',
  statusWithdrawn: 'Withdrawn: your codes were deleted and no longer match.',
  wrongCredentials:
    'This case number or PIN is not right. Please check them. If both are right, too many wrong PINs were tried: try again in an hour at most.',
  tooManyTries: 'Too many tries. Please wait a while and try again.',
  helpTitle: 'You do not have to do this alone',
  helpTrust: 'Talk to someone you trust: a parent, a teacher, a friend.',
  helpLine: 'Call {name} on {phone}. It is free and nobody will judge you.',
  helpPolice: 'If you are in danger now, call the police on {phone}.',
  helpThreat:
    'If someone threatens you: do not pay and do not send more. Keep the messages, then block them.',
  notYourFault: 'What happened is not your fault.',
};

const nl: Messages = {
  languageName: 'Nederlands',
  languageLabel: 'Taal',
  tabSubmit: 'Mijn beelden stoppen',
  tabCase: 'Mijn dossier',
  title: 'Stop de verspreiding van je beelden',
  intro: [
    'Heeft iemand een naaktfoto of seksuele foto of video van jou gedeeld, of dreigt iemand daarmee?',
    'Het is niet jouw schuld. Je kunt er nu iets aan doen.',
  ],
  howTitle: 'Hoe het werkt',
  how: [
    'Je beelden blijven op je toestel. Niemand ziet ze. Ze worden nooit verstuurd.',
    'Deze pagina maakt voor elk beeld een code, zoals een vingerafdruk. Alleen die codes worden verstuurd.',
    'Diensten die meedoen, zoeken met de codes naar kopieën. Hun medewerkers bekijken een treffer voor ze iets verwijderen.',
    'Het werkt alleen bij diensten die meedoen. Het werkt niet in privé, versleutelde chats.',
  ],
  whoTitle: 'Hoe oud was je op de beelden?',
  whoMinor: 'Jonger dan 18',
  whoAdult: '18 of ouder',
  pick: "Kies foto's of video's",
  pickHint: 'Er wordt nog niets verstuurd. Je kunt eerst alles nakijken.',
  hashing: 'Code maken…',
  ready: 'Code klaar',
  lowQuality:
    'Dit beeld heeft te weinig details om herkend te worden. Kies een duidelijker origineel, geen screenshot of kleine kopie.',
  unreadable: 'Dit bestand kan niet gelezen worden. Kies een foto (JPEG, PNG, WebP of GIF).',
  remove: 'Verwijderen',
  previewAlt: 'Je beeld (het blijft op dit toestel)',
  video: 'Video',
  videoFrames: '{count} frames verwerkt (één per seconde)',
  confirmTitle: 'Klaar om te versturen',
  confirmText:
    'Alleen {count} codes en je leeftijdsgroep worden verstuurd. Geen beelden, geen bestandsnamen, geen naam, geen telefoonnummer.',
  send: 'Verstuur de codes',
  sending: 'Versturen…',
  sendFailed: 'Versturen is niet gelukt. Probeer het zo meteen opnieuw.',
  doneTitle: 'Klaar. Je codes staan op de lijst.',
  doneText: 'Diensten die meedoen, zoeken nu naar kopieën.',
  writeDown: 'Schrijf deze twee nummers nu op. We tonen ze nooit meer, en niemand kan ze voor je opzoeken.',
  caseNumber: 'Dossiernummer',
  pin: 'Pincode',
  doneNext: 'Daarmee kun je je dossier altijd bekijken, of de codes terugtrekken.',
  startOver: 'Meer beelden toevoegen (nieuw dossier)',
  caseTitle: 'Je dossier bekijken of terugtrekken',
  caseIntro: 'Typ het dossiernummer en de pincode die je opschreef.',
  check: 'Bekijken',
  withdraw: 'Codes terugtrekken',
  withdrawConfirm: 'Je codes worden gewist en geven geen treffers meer. Doorgaan?',
  statusActive: 'Actief: codes van {count} beelden staan op de lijst, sinds {day}.',
  statusWithdrawn: 'Teruggetrokken: je codes zijn gewist en geven geen treffers meer.',
  wrongCredentials:
    'Dit dossiernummer of deze pincode klopt niet. Kijk ze even na. Kloppen ze allebei, dan werden te veel foute pincodes geprobeerd: probeer het binnen hoogstens een uur opnieuw.',
  tooManyTries: 'Te veel pogingen. Wacht even en probeer het later opnieuw.',
  helpTitle: 'Je hoeft dit niet alleen te doen',
  helpTrust: 'Praat met iemand die je vertrouwt: een ouder, een leerkracht, een vriend.',
  helpLine: 'Bel {name} op {phone}. Het is gratis en niemand zal je veroordelen.',
  helpPolice: 'Ben je nu in gevaar? Bel de politie op {phone}.',
  helpThreat:
    'Bedreigt iemand je? Betaal niet en stuur niets meer. Bewaar de berichten en blokkeer de persoon daarna.',
  notYourFault: 'Wat er gebeurd is, is niet jouw schuld.',
};

const fr: Messages = {
  languageName: 'Français',
  languageLabel: 'Langue',
  tabSubmit: 'Arrêter mes images',
  tabCase: 'Mon dossier',
  title: 'Empêche tes images de circuler',
  intro: [
    "Quelqu'un a partagé une photo ou une vidéo de toi nu·e ou à caractère sexuel, ou menace de le faire ?",
    "Ce n'est pas ta faute. Tu peux agir maintenant.",
  ],
  howTitle: 'Comment ça marche',
  how: [
    'Tes images restent sur ton appareil. Personne ne les voit. Elles ne sont jamais envoyées.',
    'Cette page crée un code pour chaque image, comme une empreinte. Seuls ces codes sont envoyés.',
    'Les services participants cherchent des copies avec ces codes. Leur équipe vérifie chaque correspondance avant de retirer quoi que ce soit.',
    'Cela ne marche que sur les services participants, et pas dans les messageries privées chiffrées.',
  ],
  whoTitle: 'Quel âge avais-tu sur les images ?',
  whoMinor: 'Moins de 18 ans',
  whoAdult: '18 ans ou plus',
  pick: 'Choisir des images ou des vidéos',
  pickHint: "Rien n'est encore envoyé. Tu peux d'abord tout vérifier.",
  hashing: 'Création du code…',
  ready: 'Code prêt',
  lowQuality:
    "Cette image n'a pas assez de détails pour être reconnue. Choisis un original plus net, pas une capture d'écran ni une petite copie.",
  unreadable: 'Ce fichier ne peut pas être lu. Choisis une photo (JPEG, PNG, WebP ou GIF).',
  remove: 'Retirer',
  previewAlt: 'Ton image (elle reste sur cet appareil)',
  video: 'Vidéo',
  videoFrames: '{count} images traitées (une par seconde)',
  confirmTitle: 'Prêt à envoyer',
  confirmText:
    "Seuls {count} codes et ta tranche d'âge seront envoyés. Pas d'images, pas de noms de fichiers, pas de nom, pas de numéro de téléphone.",
  send: 'Envoyer les codes',
  sending: 'Envoi…',
  sendFailed: "L'envoi n'a pas marché. Réessaie dans un instant.",
  doneTitle: "C'est fait. Tes codes sont sur la liste.",
  doneText: 'Les services participants vont maintenant chercher des copies.',
  writeDown:
    'Note ces deux numéros maintenant. Nous ne les montrerons plus jamais, et personne ne peut les retrouver pour toi.',
  caseNumber: 'Numéro de dossier',
  pin: 'Code PIN',
  doneNext: 'Avec eux, tu peux voir ton dossier ou retirer les codes, à tout moment.',
  startOver: "Ajouter d'autres images (nouveau dossier)",
  caseTitle: 'Voir ou retirer ton dossier',
  caseIntro: 'Tape le numéro de dossier et le code PIN que tu as notés.',
  check: 'Voir',
  withdraw: 'Retirer les codes',
  withdrawConfirm: 'Tes codes seront effacés et ne trouveront plus de correspondance. Continuer ?',
  statusActive: 'Actif : les codes de {count} images sont sur la liste depuis le {day}.',
  statusWithdrawn: 'Retiré : tes codes ont été effacés et ne trouvent plus de correspondance.',
  wrongCredentials:
    "Ce numéro de dossier ou ce code PIN n'est pas correct. Vérifie-les. S'ils sont bons tous les deux, trop de codes PIN erronés ont été essayés : réessaie dans une heure au plus.",
  tooManyTries: 'Trop d’essais. Attends un peu et réessaie plus tard.',
  helpTitle: "Tu n'es pas seul·e",
  helpTrust: "Parle à quelqu'un en qui tu as confiance : un parent, un·e prof, un·e ami·e.",
  helpLine: "Appelle {name} au {phone}. C'est gratuit et personne ne te jugera.",
  helpPolice: 'Si tu es en danger maintenant, appelle la police au {phone}.',
  helpThreat:
    "Si quelqu'un te menace : ne paie pas et n'envoie rien de plus. Garde les messages, puis bloque la personne.",
  notYourFault: "Ce qui s'est passé n'est pas ta faute.",
};

const de: Messages = {
  languageName: 'Deutsch',
  languageLabel: 'Sprache',
  tabSubmit: 'Meine Bilder stoppen',
  tabCase: 'Mein Fall',
  title: 'Stoppe die Verbreitung deiner Bilder',
  intro: [
    'Hat jemand ein Nacktbild oder ein sexuelles Bild oder Video von dir geteilt, oder droht damit?',
    'Es ist nicht deine Schuld. Du kannst jetzt etwas tun.',
  ],
  howTitle: 'So funktioniert es',
  how: [
    'Deine Bilder bleiben auf deinem Gerät. Niemand sieht sie. Sie werden nie gesendet.',
    'Diese Seite macht für jedes Bild einen Code, wie einen Fingerabdruck. Nur diese Codes werden gesendet.',
    'Dienste, die mitmachen, suchen mit den Codes nach Kopien. Ihre Mitarbeitenden prüfen einen Treffer, bevor sie etwas entfernen.',
    'Es funktioniert nur bei Diensten, die mitmachen. In privaten, verschlüsselten Chats funktioniert es nicht.',
  ],
  whoTitle: 'Wie alt warst du auf den Bildern?',
  whoMinor: 'Unter 18',
  whoAdult: '18 oder älter',
  pick: 'Bilder oder Videos auswählen',
  pickHint: 'Noch wird nichts gesendet. Du kannst zuerst alles prüfen.',
  hashing: 'Code wird erstellt…',
  ready: 'Code fertig',
  lowQuality:
    'Dieses Bild hat zu wenig Details, um wiedererkannt zu werden. Wähle ein deutlicheres Original, keinen Screenshot und keine kleine Kopie.',
  unreadable: 'Diese Datei kann nicht gelesen werden. Wähle ein Foto (JPEG, PNG, WebP oder GIF).',
  remove: 'Entfernen',
  previewAlt: 'Dein Bild (es bleibt auf diesem Gerät)',
  video: 'Video',
  videoFrames: '{count} Einzelbilder verarbeitet (eines pro Sekunde)',
  confirmTitle: 'Bereit zum Senden',
  confirmText:
    'Nur {count} Codes und deine Altersgruppe werden gesendet. Keine Bilder, keine Dateinamen, kein Name, keine Telefonnummer.',
  send: 'Codes senden',
  sending: 'Wird gesendet…',
  sendFailed: 'Das Senden hat nicht geklappt. Bitte versuche es gleich noch einmal.',
  doneTitle: 'Fertig. Deine Codes stehen auf der Liste.',
  doneText: 'Dienste, die mitmachen, suchen jetzt nach Kopien.',
  writeDown:
    'Schreib dir diese zwei Nummern jetzt auf. Wir zeigen sie nie wieder, und niemand kann sie für dich nachschauen.',
  caseNumber: 'Fallnummer',
  pin: 'PIN',
  doneNext: 'Damit kannst du jederzeit deinen Fall ansehen oder die Codes zurückziehen.',
  startOver: 'Weitere Bilder hinzufügen (neuer Fall)',
  caseTitle: 'Fall ansehen oder zurückziehen',
  caseIntro: 'Gib die Fallnummer und die PIN ein, die du aufgeschrieben hast.',
  check: 'Ansehen',
  withdraw: 'Codes zurückziehen',
  withdrawConfirm: 'Deine Codes werden gelöscht und finden keine Treffer mehr. Weiter?',
  statusActive: 'Aktiv: Codes von {count} Bildern stehen seit {day} auf der Liste.',
  statusWithdrawn: 'Zurückgezogen: Deine Codes wurden gelöscht und finden keine Treffer mehr.',
  wrongCredentials:
    'Diese Fallnummer oder PIN stimmt nicht. Bitte prüfe sie. Stimmen beide, wurden zu viele falsche PINs versucht: versuche es in höchstens einer Stunde noch einmal.',
  tooManyTries: 'Zu viele Versuche. Bitte warte eine Weile und versuche es später noch einmal.',
  helpTitle: 'Du musst das nicht allein schaffen',
  helpTrust: 'Sprich mit jemandem, dem du vertraust: einem Elternteil, einer Lehrkraft, einem Freund.',
  helpLine: 'Ruf {name} an: {phone}. Es ist kostenlos und niemand verurteilt dich.',
  helpPolice: 'Wenn du jetzt in Gefahr bist, ruf die Polizei an: {phone}.',
  helpThreat:
    'Wenn dich jemand bedroht: Zahl nicht und schick nichts mehr. Speichere die Nachrichten und blockiere die Person danach.',
  notYourFault: 'Was passiert ist, ist nicht deine Schuld.',
};

/** The texts of each language. */
export const MESSAGES: Readonly<Record<Language, Messages>> = { nl, fr, de, en };
