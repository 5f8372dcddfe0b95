// The report form's words in Dutch, French, German and English. Written for a worried parent, a
// teacher or a teenager who stumbled on something: short sentences, kind, what happens next, and
// never a word that blames a child. Terms follow the Luxembourg Terminology Guidelines (DOMAIN.md
// §7): "child sexual abuse material", never the legal term; "sextortion" only beside sexual
// extortion. Dutch follows Child Focus' usage in Flanders ("je"); French and German address the
// reader formally ("vous", "Sie"), as Belgian public services do.
import type { Concern, PublicStatus, SiteType } from './report-api.js';
import type { Language } from '../shared/language.js';

/** Every text of the report page; `{x}` marks a value filled in at run time. */
export interface ReportMessages {
  readonly languageName: string;
  readonly languageLabel: string;
  readonly pageTitle: string;
  readonly title: string;
  readonly intro: readonly string[];
  readonly dangerBanner: string;
  readonly dangerCall: string;
  readonly dontDownloadTitle: string;
  readonly dontDownload: readonly string[];

  readonly urlsLegend: string;
  readonly urlsHint: string;
  readonly urlLabel: string;
  readonly urlPlaceholder: string;
  readonly addUrl: string;
  readonly removeUrl: string;
  readonly urlsMax: string;

  readonly concernsLegend: string;
  readonly concernsHint: string;
  readonly concerns: Readonly<Record<Concern, string>>;
  readonly aiGeneratedHint: string;
  readonly adultTitle: string;
  readonly adultText: string;
  readonly adultStopNcii: string;
  readonly adultPlatform: string;
  readonly adultPolice: string;
  readonly adultHelpline: string;
  readonly adultWasMinor: string;
  readonly ownImagesTitle: string;
  readonly ownImagesText: string;
  readonly ownImagesLink: string;
  readonly extortionTitle: string;
  readonly extortionAdvice: readonly string[];
  readonly extortionCall: string;

  readonly detailsLegend: string;
  readonly descriptionLabel: string;
  readonly descriptionHint: string;
  readonly descriptionCounter: string;
  readonly seenWhereLabel: string;
  readonly seenWhereUnknown: string;
  readonly siteTypes: Readonly<Record<SiteType, string>>;
  readonly dangerLabel: string;
  readonly dangerNow: string;

  readonly contactLegend: string;
  readonly contactIntro: readonly string[];
  readonly contactName: string;
  readonly contactEmail: string;
  readonly contactPhone: string;
  readonly contactConsent: string;

  readonly honeypotLabel: string;
  readonly anonymousNote: string;
  readonly send: string;
  readonly sending: string;
  readonly retry: string;

  readonly errorSummary: string;
  readonly errorUrlMissing: string;
  readonly errorUrlInvalid: string;
  readonly errorUrlTooLong: string;
  readonly errorConcernMissing: string;
  readonly errorDescriptionTooLong: string;
  readonly errorSeenWhere: string;
  readonly errorName: string;
  readonly errorEmail: string;
  readonly errorPhone: string;
  readonly errorContactHow: string;
  readonly errorConsent: string;
  readonly errorInvalidOther: string;
  readonly errorRateLimited: string;
  readonly errorRateLimitedMinutes: string;
  readonly errorServer: string;

  readonly receiptTitle: string;
  readonly receiptLabel: string;
  readonly receiptWriteDown: string;
  readonly copy: string;
  readonly copied: string;
  readonly copyFailed: string;
  readonly receiptNext: readonly string[];
  readonly receiptDanger: string;
  readonly newReport: string;

  readonly statusTitle: string;
  readonly statusIntro: string;
  readonly statusLabel: string;
  readonly statusCheck: string;
  readonly statusChecking: string;
  readonly statusNames: Readonly<Record<PublicStatus, string>>;
  readonly statusTexts: Readonly<Record<PublicStatus, string>>;
  readonly urlCountOne: string;
  readonly urlCountMany: string;
  readonly statusMissing: string;
  readonly statusNotFound: string;
  readonly statusRateLimited: string;
  readonly statusFailed: string;

  readonly helpTitle: string;
  readonly helpUpset: string;
  readonly helpLine: string;
  readonly helpPolice: string;
  readonly ownImagesFooter: string;
}

const en: ReportMessages = {
  languageName: 'English',
  languageLabel: 'Language',
  pageTitle: 'Report child sexual abuse material – {hotline}',
  title: 'Report child sexual abuse material',
  intro: [
    'Did you come across images or videos of the sexual abuse of a child on the internet? Tell us where you saw them. You do not need to give your name.',
    'Trained analysts at {hotline} check every report. When material is illegal, we work with the police and with hotlines abroad to have it removed.',
  ],
  dangerBanner: 'Is a child in danger right now?',
  dangerCall: 'Call the police: {phone}',
  dontDownloadTitle: 'Please do not download or share it',
  dontDownload: [
    'Do not download, screenshot or share the material, not even to show us. That is itself illegal, and it spreads the harm done to the child.',
    'Just give us the web address (URL). We never ask you to upload images.',
  ],

  urlsLegend: 'Where is it? (web addresses)',
  urlsHint: "Copy the address from your browser's address bar, for example https://example.com/page.",
  urlLabel: 'Web address {n}',
  urlPlaceholder: 'https://',
  addUrl: 'Add another web address',
  removeUrl: 'Remove web address {n}',
  urlsMax: 'You can give up to {max} web addresses in one report.',

  concernsLegend: 'What are you worried about?',
  concernsHint: 'Choose everything that fits.',
  concerns: {
    csam: 'Images or videos of the sexual abuse of a child (child sexual abuse material)',
    grooming_solicitation: 'An adult trying to draw a child into sexual contact (grooming)',
    sexual_extortion:
      'Someone threatening to share sexual images of a child to get money or more images (sexual extortion, "sextortion")',
    ncii_minor: 'Intimate images of someone under 18, shared without their consent',
    ai_generated: 'It looks AI-generated or digitally made',
    other: 'Something else',
    ncii_adult: 'Intimate images of an adult (18 or older), shared without consent',
  },
  aiGeneratedHint: 'Please report it too: realistic fake images of children are abuse material as well.',
  adultTitle: 'We cannot take this report, but there is help',
  adultText:
    'This hotline handles material showing children and young people under 18. For intimate images of an adult shared without consent:',
  adultStopNcii:
    'StopNCII.org helps stop the images from being shared on many platforms, without the images ever leaving your device.',
  adultPlatform: 'Report the post to the website or app where it was shared.',
  adultPolice:
    'Sharing intimate images without consent is a crime. You can file a complaint with the police ({phone}).',
  adultHelpline: 'Want to talk to someone? Call {name} on {phone}.',
  adultWasMinor:
    'Was the person under 18 in the images? Then choose "Intimate images of someone under 18" above.',
  ownImagesTitle: 'Are these images of you, or of your child?',
  ownImagesText:
    'You can also stop them from spreading without sending them to anyone: a code is made of each picture on your own device, and only the codes are sent.',
  ownImagesLink: 'Stop your own images from spreading',
  extortionTitle: 'If someone is threatening a child',
  extortionAdvice: [
    'Do not pay and do not send anything more.',
    'Do not delete the conversation: keep the messages, the user name and any payment details (but never save the images themselves).',
    'Then block the person.',
    'Tell someone you trust. It is not the child’s fault.',
  ],
  extortionCall: 'Talk to {name}: call {phone}, it is free.',

  detailsLegend: 'More about what you saw (optional)',
  descriptionLabel: 'What did you see, and where on the page?',
  descriptionHint: 'A few words are enough. Please do not write your name or contact details here.',
  descriptionCounter: '{count} of {max} characters',
  seenWhereLabel: 'Where did you see it?',
  seenWhereUnknown: 'Not sure / rather not say',
  siteTypes: {
    social_network: 'Social network (for example Instagram, TikTok, Facebook, X)',
    chat_messaging: 'Chat or messaging app (for example WhatsApp, Snapchat, Telegram, Discord)',
    video_channel: 'Video site or channel',
    image_host: 'Image hosting site',
    file_host_cyberlocker: 'File sharing or download site',
    forum: 'Forum or message board',
    blog: 'Blog',
    website: 'Another website',
    search_provider: 'Search results (for example Google or Bing)',
    banner_site: 'An advertisement or banner',
    p2p: 'File-sharing program (peer-to-peer, torrent)',
    dark_web: 'Dark web (Tor, .onion address)',
    other: 'Somewhere else',
  },
  dangerLabel: 'A child is in danger right now',
  dangerNow: 'Call the police now on {phone}. Then send this report as well.',

  contactLegend: 'Contact me (optional)',
  contactIntro: [
    'Your report is anonymous. Leave this part empty if you want to stay anonymous.',
    'If you want us to be able to ask you questions, give an e-mail address or phone number. We store these details apart from your report, encrypted, and delete them when your report is closed.',
  ],
  contactName: 'Name (optional)',
  contactEmail: 'E-mail address',
  contactPhone: 'Phone number',
  contactConsent: '{hotline} may contact me about this report.',

  honeypotLabel: 'Website (leave empty)',
  anonymousNote: 'Your report is anonymous unless you gave contact details.',
  send: 'Send the report',
  sending: 'Sending…',
  retry: 'Try again',

  errorSummary: 'Please check these points:',
  errorUrlMissing: 'Give at least one web address.',
  errorUrlInvalid:
    'This is not a web address. Copy it from the address bar: it starts with https:// or http://.',
  errorUrlTooLong: 'This web address is too long (at most 2048 characters).',
  errorConcernMissing: 'Choose at least one thing you are worried about.',
  errorDescriptionTooLong: 'The description is too long (at most {max} characters).',
  errorSeenWhere: 'Choose where you saw it from the list.',
  errorName: 'This name is too long.',
  errorEmail: 'This e-mail address does not look right. Check it, or leave it empty.',
  errorPhone: 'This phone number does not look right. Use digits, spaces and + only, or leave it empty.',
  errorContactHow: 'To be contacted, give an e-mail address or a phone number (or leave this part empty).',
  errorConsent: 'Tick this box so we may contact you, or leave your contact details empty.',
  errorInvalidOther: 'Something in the form is not right. Please check it and try again.',
  errorRateLimited:
    'Many reports came from this connection in a short time. Please wait a little and try again.',
  errorRateLimitedMinutes:
    'Many reports came from this connection in a short time. Please wait {minutes} minutes and try again.',
  errorServer:
    'Sending did not work (a problem with the connection or on our side). Your report is still here: press "Try again".',

  receiptTitle: 'Thank you. We have received your report.',
  receiptLabel: 'Your receipt code',
  receiptWriteDown:
    'Write this code down or keep it somewhere safe. It is the only way to check your report: we do not know who you are, so we cannot look it up for you.',
  copy: 'Copy the code',
  copied: 'Copied',
  copyFailed: 'Copying did not work. Please write the code down.',
  receiptNext: [
    'An analyst will check the web addresses you gave. You do not need to do anything else.',
    'For everyone’s protection we do not share the details of what we find, but you can see whether your report is received, being handled or closed.',
  ],
  receiptDanger:
    'You said a child is in danger right now. If you have not done so yet, call the police on {phone}.',
  newReport: 'Make another report',

  statusTitle: 'Check a report',
  statusIntro: 'Type the receipt code you got after sending your report. It starts with HL-.',
  statusLabel: 'Receipt code',
  statusCheck: 'Check',
  statusChecking: 'Checking…',
  statusNames: { received: 'Received', in_progress: 'Being handled', closed: 'Closed' },
  statusTexts: {
    received: 'Your report of {day} ({urls}) is waiting to be checked.',
    in_progress: 'An analyst is working on your report of {day} ({urls}).',
    closed: 'We have finished handling your report of {day} ({urls}). Thank you for reporting.',
  },
  urlCountOne: '1 web address',
  urlCountMany: '{count} web addresses',
  statusMissing: 'Type your receipt code first.',
  statusNotFound:
    'We cannot find a report with this code. Please check every character: it looks like HL-XXXX-XXXX-XXXX-XXXX.',
  statusRateLimited: 'Too many tries. Please wait a while and try again.',
  statusFailed: 'Checking did not work. Please try again in a moment.',

  helpTitle: 'Need to talk?',
  helpUpset: 'Seeing this kind of material can be upsetting. You did the right thing by reporting it.',
  helpLine: 'Call {name} on {phone}. It is free.',
  helpPolice: 'If a child is in danger right now, call the police on {phone}.',
  ownImagesFooter: 'Young people: stop your own images from spreading',
};

const nl: ReportMessages = {
  languageName: 'Nederlands',
  languageLabel: 'Taal',
  pageTitle: 'Beelden van seksueel misbruik van kinderen melden – {hotline}',
  title: 'Beelden van seksueel misbruik van kinderen melden',
  intro: [
    "Zag je op het internet foto's of video's van seksueel misbruik van een kind? Laat ons weten waar je ze zag. Je hoeft je naam niet te geven.",
    'Opgeleide analisten van {hotline} bekijken elke melding. Zijn de beelden illegaal, dan zorgen we samen met de politie en met meldpunten in het buitenland dat ze verwijderd worden.',
  ],
  dangerBanner: 'Is een kind nu in gevaar?',
  dangerCall: 'Bel de politie: {phone}',
  dontDownloadTitle: 'Download of deel de beelden niet',
  dontDownload: [
    'Download de beelden niet, maak er geen screenshot van en deel ze niet, ook niet om ze aan ons te tonen. Dat is zelf strafbaar, en het verspreidt het leed van het kind verder.',
    'Geef ons alleen het webadres (de URL). We vragen nooit om beelden op te laden.',
  ],

  urlsLegend: 'Waar staat het? (webadressen)',
  urlsHint: 'Kopieer het adres uit de adresbalk van je browser, bijvoorbeeld https://example.com/pagina.',
  urlLabel: 'Webadres {n}',
  urlPlaceholder: 'https://',
  addUrl: 'Nog een webadres toevoegen',
  removeUrl: 'Webadres {n} verwijderen',
  urlsMax: 'Je kunt tot {max} webadressen in één melding geven.',

  concernsLegend: 'Waarover maak je je zorgen?',
  concernsHint: 'Kies alles wat past.',
  concerns: {
    csam: "Foto's of video's van seksueel misbruik van een kind (seksuele misbruikbeelden van kinderen)",
    grooming_solicitation:
      'Een volwassene die een kind probeert te verleiden tot seksueel contact (grooming)',
    sexual_extortion:
      'Iemand dreigt seksuele beelden van een kind te verspreiden om geld of meer beelden te krijgen (seksuele afpersing, "sextortion")',
    ncii_minor: 'Intieme beelden van iemand jonger dan 18, verspreid zonder toestemming',
    ai_generated: 'Het lijkt gemaakt met AI of digitaal bewerkt',
    other: 'Iets anders',
    ncii_adult: 'Intieme beelden van een volwassene (18 of ouder), verspreid zonder toestemming',
  },
  aiGeneratedHint: 'Meld het ook: realistische nepbeelden van kinderen zijn evengoed misbruikbeelden.',
  adultTitle: 'Deze melding kunnen we niet behandelen, maar er is hulp',
  adultText:
    'Dit meldpunt behandelt beelden van kinderen en jongeren onder de 18. Voor intieme beelden van een volwassene die zonder toestemming verspreid worden:',
  adultStopNcii:
    'StopNCII.org helpt voorkomen dat de beelden op veel platformen gedeeld worden, zonder dat de beelden ooit je toestel verlaten.',
  adultPlatform: 'Meld het bericht bij de website of app waar het gedeeld werd.',
  adultPolice:
    'Intieme beelden zonder toestemming verspreiden is strafbaar. Je kunt klacht indienen bij de politie ({phone}).',
  adultHelpline: 'Wil je met iemand praten? Bel {name} op {phone}.',
  adultWasMinor:
    'Was de persoon op de beelden jonger dan 18? Kies dan hierboven "Intieme beelden van iemand jonger dan 18".',
  ownImagesTitle: 'Gaat het om beelden van jezelf, of van je kind?',
  ownImagesText:
    'Je kunt de verspreiding ook stoppen zonder de beelden naar iemand te sturen: op je eigen toestel wordt van elk beeld een code gemaakt, en alleen die codes worden verstuurd.',
  ownImagesLink: 'Stop de verspreiding van je eigen beelden',
  extortionTitle: 'Als iemand een kind bedreigt',
  extortionAdvice: [
    'Betaal niet en stuur niets meer.',
    'Wis het gesprek niet: bewaar de berichten, de gebruikersnaam en eventuele betaalgegevens (maar bewaar nooit de beelden zelf).',
    'Blokkeer daarna de persoon.',
    'Praat erover met iemand die je vertrouwt. Het is niet de schuld van het kind.',
  ],
  extortionCall: 'Praat erover met {name}: bel gratis {phone}.',

  detailsLegend: 'Meer over wat je zag (niet verplicht)',
  descriptionLabel: 'Wat zag je, en waar op de pagina?',
  descriptionHint: 'Een paar woorden zijn genoeg. Schrijf hier niet je naam of contactgegevens.',
  descriptionCounter: '{count} van {max} tekens',
  seenWhereLabel: 'Waar zag je het?',
  seenWhereUnknown: 'Weet ik niet / zeg ik liever niet',
  siteTypes: {
    social_network: 'Sociaal netwerk (bijvoorbeeld Instagram, TikTok, Facebook, X)',
    chat_messaging: 'Chat- of berichtenapp (bijvoorbeeld WhatsApp, Snapchat, Telegram, Discord)',
    video_channel: 'Videosite of -kanaal',
    image_host: "Site om foto's te delen",
    file_host_cyberlocker: 'Site om bestanden te delen of te downloaden',
    forum: 'Forum of prikbord',
    blog: 'Blog',
    website: 'Een andere website',
    search_provider: 'Zoekresultaten (bijvoorbeeld Google of Bing)',
    banner_site: 'Een advertentie of banner',
    p2p: 'Programma om bestanden te delen (peer-to-peer, torrent)',
    dark_web: 'Dark web (Tor, .onion-adres)',
    other: 'Ergens anders',
  },
  dangerLabel: 'Een kind is nu in gevaar',
  dangerNow: 'Bel nu de politie op {phone}. Verstuur daarna ook deze melding.',

  contactLegend: 'Contact met mij (niet verplicht)',
  contactIntro: [
    'Je melding is anoniem. Laat dit deel leeg als je anoniem wilt blijven.',
    'Wil je dat we je vragen kunnen stellen? Geef dan een e-mailadres of telefoonnummer. We bewaren die gegevens apart van je melding, versleuteld, en wissen ze zodra je melding afgesloten is.',
  ],
  contactName: 'Naam (niet verplicht)',
  contactEmail: 'E-mailadres',
  contactPhone: 'Telefoonnummer',
  contactConsent: '{hotline} mag contact met mij opnemen over deze melding.',

  honeypotLabel: 'Website (leeg laten)',
  anonymousNote: 'Je melding is anoniem, tenzij je contactgegevens gaf.',
  send: 'Melding versturen',
  sending: 'Versturen…',
  retry: 'Opnieuw proberen',

  errorSummary: 'Kijk deze punten even na:',
  errorUrlMissing: 'Geef minstens één webadres.',
  errorUrlInvalid: 'Dit is geen webadres. Kopieer het uit de adresbalk: het begint met https:// of http://.',
  errorUrlTooLong: 'Dit webadres is te lang (maximaal 2048 tekens).',
  errorConcernMissing: 'Kies minstens één ding waarover je je zorgen maakt.',
  errorDescriptionTooLong: 'De beschrijving is te lang (maximaal {max} tekens).',
  errorSeenWhere: 'Kies in de lijst waar je het zag.',
  errorName: 'Deze naam is te lang.',
  errorEmail: 'Dit e-mailadres lijkt niet te kloppen. Kijk het na, of laat het leeg.',
  errorPhone:
    'Dit telefoonnummer lijkt niet te kloppen. Gebruik alleen cijfers, spaties en +, of laat het leeg.',
  errorContactHow:
    'Geef een e-mailadres of telefoonnummer als we je mogen contacteren (of laat dit deel leeg).',
  errorConsent: 'Vink dit vakje aan zodat we je mogen contacteren, of laat je contactgegevens leeg.',
  errorInvalidOther: 'Er klopt iets niet in het formulier. Kijk het na en probeer opnieuw.',
  errorRateLimited:
    'Er kwamen veel meldingen van deze verbinding op korte tijd. Wacht even en probeer opnieuw.',
  errorRateLimitedMinutes:
    'Er kwamen veel meldingen van deze verbinding op korte tijd. Wacht {minutes} minuten en probeer opnieuw.',
  errorServer:
    'Versturen is niet gelukt (een probleem met de verbinding of bij ons). Je melding staat er nog: klik op "Opnieuw proberen".',

  receiptTitle: 'Bedankt. We hebben je melding ontvangen.',
  receiptLabel: 'Je ontvangstcode',
  receiptWriteDown:
    'Schrijf deze code op of bewaar hem op een veilige plek. Alleen zo kun je je melding opvolgen: we weten niet wie je bent, dus we kunnen hem niet voor je opzoeken.',
  copy: 'Code kopiëren',
  copied: 'Gekopieerd',
  copyFailed: 'Kopiëren lukte niet. Schrijf de code op.',
  receiptNext: [
    'Een analist bekijkt de webadressen die je gaf. Je hoeft verder niets te doen.',
    'Om iedereen te beschermen delen we niet wat we precies vinden, maar je kunt zien of je melding ontvangen is, in behandeling is of afgesloten is.',
  ],
  receiptDanger:
    'Je gaf aan dat een kind nu in gevaar is. Bel de politie op {phone} als je dat nog niet deed.',
  newReport: 'Nog iets melden',

  statusTitle: 'Een melding opvolgen',
  statusIntro: 'Typ de ontvangstcode die je kreeg na je melding. Hij begint met HL-.',
  statusLabel: 'Ontvangstcode',
  statusCheck: 'Bekijken',
  statusChecking: 'Even kijken…',
  statusNames: { received: 'Ontvangen', in_progress: 'In behandeling', closed: 'Afgesloten' },
  statusTexts: {
    received: 'Je melding van {day} ({urls}) wacht op controle.',
    in_progress: 'Een analist werkt aan je melding van {day} ({urls}).',
    closed: 'We hebben je melding van {day} ({urls}) afgehandeld. Bedankt om te melden.',
  },
  urlCountOne: '1 webadres',
  urlCountMany: '{count} webadressen',
  statusMissing: 'Typ eerst je ontvangstcode.',
  statusNotFound:
    'We vinden geen melding met deze code. Kijk elk teken na: de code ziet eruit als HL-XXXX-XXXX-XXXX-XXXX.',
  statusRateLimited: 'Te veel pogingen. Wacht even en probeer later opnieuw.',
  statusFailed: 'Opzoeken lukte niet. Probeer het zo meteen opnieuw.',

  helpTitle: 'Wil je erover praten?',
  helpUpset: 'Zulke beelden zien kan je erg raken. Je deed het juiste door ze te melden.',
  helpLine: 'Bel {name} op {phone}. Het is gratis.',
  helpPolice: 'Is een kind nu in gevaar? Bel de politie op {phone}.',
  ownImagesFooter: 'Voor jongeren: stop de verspreiding van je eigen beelden',
};

const fr: ReportMessages = {
  languageName: 'Français',
  languageLabel: 'Langue',
  pageTitle: "Signaler des images d'abus sexuels sur des enfants – {hotline}",
  title: "Signaler des images d'abus sexuels sur des enfants",
  intro: [
    "Vous êtes tombé·e sur internet sur des photos ou des vidéos d'abus sexuels sur un enfant ? Dites-nous où vous les avez vues. Vous n'avez pas besoin de donner votre nom.",
    "Les analystes formé·es de {hotline} examinent chaque signalement. Si le contenu est illégal, nous travaillons avec la police et avec les points de contact à l'étranger pour le faire retirer.",
  ],
  dangerBanner: 'Un enfant est en danger en ce moment ?',
  dangerCall: 'Appelez la police : {phone}',
  dontDownloadTitle: 'Ne téléchargez pas et ne partagez pas ces images',
  dontDownload: [
    "Ne téléchargez pas ces contenus, n'en faites pas de capture d'écran et ne les partagez pas, même pour nous les montrer. C'est en soi illégal, et cela aggrave le tort fait à l'enfant.",
    "Donnez-nous simplement l'adresse web (l'URL). Nous ne vous demanderons jamais d'envoyer des images.",
  ],

  urlsLegend: 'Où se trouve le contenu ? (adresses web)',
  urlsHint:
    "Copiez l'adresse depuis la barre d'adresse de votre navigateur, par exemple https://example.com/page.",
  urlLabel: 'Adresse web {n}',
  urlPlaceholder: 'https://',
  addUrl: 'Ajouter une autre adresse web',
  removeUrl: "Retirer l'adresse web {n}",
  urlsMax: "Vous pouvez indiquer jusqu'à {max} adresses web par signalement.",

  concernsLegend: "Qu'est-ce qui vous inquiète ?",
  concernsHint: 'Cochez tout ce qui correspond.',
  concerns: {
    csam: "Des photos ou vidéos d'abus sexuels sur un enfant (images d'abus sexuels sur des enfants)",
    grooming_solicitation: 'Un adulte qui cherche à entraîner un enfant dans un contact sexuel (grooming)',
    sexual_extortion:
      "Quelqu'un menace de diffuser des images sexuelles d'un enfant pour obtenir de l'argent ou d'autres images (extorsion sexuelle, « sextorsion »)",
    ncii_minor: "Des images intimes d'une personne de moins de 18 ans, diffusées sans son consentement",
    ai_generated: 'Cela semble généré par IA ou fabriqué numériquement',
    other: 'Autre chose',
    ncii_adult: "Des images intimes d'un adulte (18 ans ou plus), diffusées sans son consentement",
  },
  aiGeneratedHint:
    "Signalez-le aussi : des fausses images réalistes d'enfants sont elles aussi des images d'abus.",
  adultTitle: 'Nous ne pouvons pas traiter ce signalement, mais il existe de l’aide',
  adultText:
    "Ce point de contact traite les contenus montrant des enfants et des jeunes de moins de 18 ans. Pour des images intimes d'un adulte diffusées sans consentement :",
  adultStopNcii:
    'StopNCII.org aide à empêcher le partage des images sur de nombreuses plateformes, sans que les images ne quittent jamais votre appareil.',
  adultPlatform: "Signalez la publication au site ou à l'application où elle a été partagée.",
  adultPolice:
    'Diffuser des images intimes sans consentement est un délit. Vous pouvez porter plainte auprès de la police ({phone}).',
  adultHelpline: "Besoin d'en parler ? Appelez {name} au {phone}.",
  adultWasMinor:
    "La personne avait-elle moins de 18 ans sur les images ? Cochez alors « Des images intimes d'une personne de moins de 18 ans » ci-dessus.",
  ownImagesTitle: "S'agit-il d'images de vous, ou de votre enfant ?",
  ownImagesText:
    'Vous pouvez aussi empêcher leur diffusion sans les envoyer à personne : un code est créé pour chaque image sur votre propre appareil, et seuls ces codes sont envoyés.',
  ownImagesLink: 'Empêcher la diffusion de ses propres images',
  extortionTitle: "Si quelqu'un menace un enfant",
  extortionAdvice: [
    "Ne payez pas et n'envoyez plus rien.",
    "Ne supprimez pas la conversation : gardez les messages, le nom d'utilisateur et les éventuelles données de paiement (mais ne gardez jamais les images elles-mêmes).",
    'Ensuite, bloquez la personne.',
    "Parlez-en à quelqu'un de confiance. Ce n'est pas la faute de l'enfant.",
  ],
  extortionCall: 'Parlez-en à {name} : appelez gratuitement le {phone}.',

  detailsLegend: 'Plus de détails sur ce que vous avez vu (facultatif)',
  descriptionLabel: "Qu'avez-vous vu, et à quel endroit de la page ?",
  descriptionHint: "Quelques mots suffisent. N'écrivez pas ici votre nom ni vos coordonnées.",
  descriptionCounter: '{count} sur {max} caractères',
  seenWhereLabel: "Où l'avez-vous vu ?",
  seenWhereUnknown: 'Je ne sais pas / je préfère ne pas le dire',
  siteTypes: {
    social_network: 'Réseau social (par exemple Instagram, TikTok, Facebook, X)',
    chat_messaging:
      'Application de chat ou de messagerie (par exemple WhatsApp, Snapchat, Telegram, Discord)',
    video_channel: 'Site ou chaîne de vidéos',
    image_host: "Site d'hébergement d'images",
    file_host_cyberlocker: 'Site de partage ou de téléchargement de fichiers',
    forum: 'Forum de discussion',
    blog: 'Blog',
    website: 'Un autre site web',
    search_provider: 'Résultats de recherche (par exemple Google ou Bing)',
    banner_site: 'Une publicité ou une bannière',
    p2p: 'Logiciel de partage de fichiers (pair-à-pair, torrent)',
    dark_web: 'Dark web (Tor, adresse .onion)',
    other: 'Ailleurs',
  },
  dangerLabel: 'Un enfant est en danger en ce moment',
  dangerNow: 'Appelez maintenant la police au {phone}. Envoyez ensuite aussi ce signalement.',

  contactLegend: 'Me recontacter (facultatif)',
  contactIntro: [
    'Votre signalement est anonyme. Laissez cette partie vide si vous souhaitez rester anonyme.',
    'Si vous acceptez que nous vous posions des questions, indiquez une adresse e-mail ou un numéro de téléphone. Nous conservons ces données à part de votre signalement, chiffrées, et les effaçons dès que votre signalement est clôturé.',
  ],
  contactName: 'Nom (facultatif)',
  contactEmail: 'Adresse e-mail',
  contactPhone: 'Numéro de téléphone',
  contactConsent: '{hotline} peut me contacter au sujet de ce signalement.',

  honeypotLabel: 'Site web (laisser vide)',
  anonymousNote: 'Votre signalement est anonyme, sauf si vous avez donné vos coordonnées.',
  send: 'Envoyer le signalement',
  sending: 'Envoi…',
  retry: 'Réessayer',

  errorSummary: 'Veuillez vérifier ces points :',
  errorUrlMissing: 'Indiquez au moins une adresse web.',
  errorUrlInvalid:
    "Ce n'est pas une adresse web. Copiez-la depuis la barre d'adresse : elle commence par https:// ou http://.",
  errorUrlTooLong: 'Cette adresse web est trop longue (2048 caractères au maximum).',
  errorConcernMissing: 'Cochez au moins une chose qui vous inquiète.',
  errorDescriptionTooLong: 'La description est trop longue ({max} caractères au maximum).',
  errorSeenWhere: "Choisissez dans la liste l'endroit où vous l'avez vu.",
  errorName: 'Ce nom est trop long.',
  errorEmail: 'Cette adresse e-mail ne semble pas correcte. Vérifiez-la, ou laissez-la vide.',
  errorPhone:
    'Ce numéro de téléphone ne semble pas correct. Utilisez uniquement des chiffres, des espaces et +, ou laissez-le vide.',
  errorContactHow:
    'Pour être recontacté·e, indiquez une adresse e-mail ou un numéro de téléphone (ou laissez cette partie vide).',
  errorConsent: 'Cochez cette case pour que nous puissions vous contacter, ou laissez vos coordonnées vides.',
  errorInvalidOther: "Quelque chose n'est pas correct dans le formulaire. Vérifiez-le et réessayez.",
  errorRateLimited:
    'Beaucoup de signalements sont venus de cette connexion en peu de temps. Patientez un peu et réessayez.',
  errorRateLimitedMinutes:
    'Beaucoup de signalements sont venus de cette connexion en peu de temps. Patientez {minutes} minutes et réessayez.',
  errorServer:
    "L'envoi n'a pas fonctionné (un problème de connexion ou de notre côté). Votre signalement est toujours là : cliquez sur « Réessayer ».",

  receiptTitle: 'Merci. Nous avons bien reçu votre signalement.',
  receiptLabel: 'Votre code de réception',
  receiptWriteDown:
    "Notez ce code ou gardez-le en lieu sûr. C'est le seul moyen de suivre votre signalement : nous ne savons pas qui vous êtes, nous ne pouvons donc pas le retrouver pour vous.",
  copy: 'Copier le code',
  copied: 'Copié',
  copyFailed: "La copie n'a pas fonctionné. Veuillez noter le code.",
  receiptNext: [
    "Un·e analyste va examiner les adresses web que vous avez données. Vous n'avez rien d'autre à faire.",
    'Pour la protection de chacun, nous ne communiquons pas le détail de nos constatations, mais vous pouvez voir si votre signalement est reçu, en cours de traitement ou clôturé.',
  ],
  receiptDanger:
    "Vous avez indiqué qu'un enfant est en danger en ce moment. Si ce n'est pas encore fait, appelez la police au {phone}.",
  newReport: 'Faire un autre signalement',

  statusTitle: 'Suivre un signalement',
  statusIntro: 'Tapez le code de réception reçu après votre signalement. Il commence par HL-.',
  statusLabel: 'Code de réception',
  statusCheck: 'Vérifier',
  statusChecking: 'Vérification…',
  statusNames: { received: 'Reçu', in_progress: 'En cours de traitement', closed: 'Clôturé' },
  statusTexts: {
    received: 'Votre signalement du {day} ({urls}) attend d’être examiné.',
    in_progress: 'Un·e analyste s’occupe de votre signalement du {day} ({urls}).',
    closed:
      'Nous avons terminé le traitement de votre signalement du {day} ({urls}). Merci d’avoir signalé ce contenu.',
  },
  urlCountOne: '1 adresse web',
  urlCountMany: '{count} adresses web',
  statusMissing: "Tapez d'abord votre code de réception.",
  statusNotFound:
    'Nous ne trouvons aucun signalement avec ce code. Vérifiez chaque caractère : le code ressemble à HL-XXXX-XXXX-XXXX-XXXX.',
  statusRateLimited: "Trop d'essais. Patientez un moment et réessayez.",
  statusFailed: "La vérification n'a pas fonctionné. Réessayez dans un instant.",

  helpTitle: "Besoin d'en parler ?",
  helpUpset: 'Voir ce genre de contenu peut bouleverser. Vous avez bien fait de le signaler.',
  helpLine: "Appelez {name} au {phone}. C'est gratuit.",
  helpPolice: 'Si un enfant est en danger en ce moment, appelez la police au {phone}.',
  ownImagesFooter: 'Jeunes : empêchez la diffusion de vos propres images',
};

const de: ReportMessages = {
  languageName: 'Deutsch',
  languageLabel: 'Sprache',
  pageTitle: 'Darstellungen sexuellen Kindesmissbrauchs melden – {hotline}',
  title: 'Darstellungen sexuellen Kindesmissbrauchs melden',
  intro: [
    'Sind Sie im Internet auf Bilder oder Videos gestoßen, die den sexuellen Missbrauch eines Kindes zeigen? Sagen Sie uns, wo Sie sie gesehen haben. Ihren Namen müssen Sie nicht angeben.',
    'Geschulte Analystinnen und Analysten von {hotline} prüfen jede Meldung. Sind die Inhalte illegal, sorgen wir gemeinsam mit der Polizei und mit Meldestellen im Ausland dafür, dass sie entfernt werden.',
  ],
  dangerBanner: 'Ist ein Kind gerade in Gefahr?',
  dangerCall: 'Rufen Sie die Polizei an: {phone}',
  dontDownloadTitle: 'Bitte nichts herunterladen oder teilen',
  dontDownload: [
    'Laden Sie die Inhalte nicht herunter, machen Sie keine Screenshots und teilen Sie sie nicht, auch nicht, um sie uns zu zeigen. Das ist selbst strafbar und vergrößert das Leid des Kindes.',
    'Geben Sie uns nur die Internetadresse (URL). Wir bitten Sie nie, Bilder hochzuladen.',
  ],

  urlsLegend: 'Wo ist es zu sehen? (Internetadressen)',
  urlsHint:
    'Kopieren Sie die Adresse aus der Adressleiste Ihres Browsers, zum Beispiel https://example.com/seite.',
  urlLabel: 'Internetadresse {n}',
  urlPlaceholder: 'https://',
  addUrl: 'Weitere Internetadresse hinzufügen',
  removeUrl: 'Internetadresse {n} entfernen',
  urlsMax: 'Sie können bis zu {max} Internetadressen in einer Meldung angeben.',

  concernsLegend: 'Worüber machen Sie sich Sorgen?',
  concernsHint: 'Wählen Sie alles aus, was zutrifft.',
  concerns: {
    csam: 'Bilder oder Videos, die den sexuellen Missbrauch eines Kindes zeigen (Darstellungen sexuellen Kindesmissbrauchs)',
    grooming_solicitation: 'Ein Erwachsener versucht, ein Kind zu sexuellen Kontakten zu bringen (Grooming)',
    sexual_extortion:
      'Jemand droht, sexuelle Bilder eines Kindes zu verbreiten, um Geld oder weitere Bilder zu bekommen (sexuelle Erpressung, „Sextortion“)',
    ncii_minor: 'Intime Bilder einer Person unter 18, ohne deren Einverständnis verbreitet',
    ai_generated: 'Es sieht KI-generiert oder digital erstellt aus',
    other: 'Etwas anderes',
    ncii_adult: 'Intime Bilder einer erwachsenen Person (18 oder älter), ohne Einverständnis verbreitet',
  },
  aiGeneratedHint:
    'Bitte melden Sie es trotzdem: Auch realistische gefälschte Bilder von Kindern sind Missbrauchsdarstellungen.',
  adultTitle: 'Diese Meldung können wir nicht bearbeiten, aber es gibt Hilfe',
  adultText:
    'Diese Meldestelle bearbeitet Inhalte, die Kinder und Jugendliche unter 18 zeigen. Bei intimen Bildern einer erwachsenen Person, die ohne Einverständnis verbreitet werden:',
  adultStopNcii:
    'StopNCII.org hilft zu verhindern, dass die Bilder auf vielen Plattformen geteilt werden, ohne dass die Bilder jemals Ihr Gerät verlassen.',
  adultPlatform: 'Melden Sie den Beitrag der Website oder App, auf der er geteilt wurde.',
  adultPolice:
    'Intime Bilder ohne Einverständnis zu verbreiten ist strafbar. Sie können bei der Polizei Anzeige erstatten ({phone}).',
  adultHelpline: 'Möchten Sie mit jemandem sprechen? Rufen Sie {name} an: {phone}.',
  adultWasMinor:
    'War die Person auf den Bildern unter 18? Dann wählen Sie oben „Intime Bilder einer Person unter 18“.',
  ownImagesTitle: 'Sind es Bilder von Ihnen selbst oder von Ihrem Kind?',
  ownImagesText:
    'Sie können die Verbreitung auch stoppen, ohne die Bilder an jemanden zu senden: Auf Ihrem eigenen Gerät wird für jedes Bild ein Code erstellt, und nur diese Codes werden gesendet.',
  ownImagesLink: 'Die Verbreitung eigener Bilder stoppen',
  extortionTitle: 'Wenn jemand ein Kind bedroht',
  extortionAdvice: [
    'Nicht zahlen und nichts mehr schicken.',
    'Den Chat nicht löschen: Nachrichten, Benutzernamen und Zahlungsdaten aufbewahren (die Bilder selbst aber nie speichern).',
    'Danach die Person blockieren.',
    'Mit jemandem sprechen, dem man vertraut. Das Kind trägt keine Schuld.',
  ],
  extortionCall: 'Sprechen Sie mit {name}: kostenlos unter {phone}.',

  detailsLegend: 'Mehr zu dem, was Sie gesehen haben (freiwillig)',
  descriptionLabel: 'Was haben Sie gesehen, und wo auf der Seite?',
  descriptionHint:
    'Ein paar Worte genügen. Bitte schreiben Sie hier nicht Ihren Namen oder Ihre Kontaktdaten.',
  descriptionCounter: '{count} von {max} Zeichen',
  seenWhereLabel: 'Wo haben Sie es gesehen?',
  seenWhereUnknown: 'Weiß nicht / möchte ich nicht sagen',
  siteTypes: {
    social_network: 'Soziales Netzwerk (zum Beispiel Instagram, TikTok, Facebook, X)',
    chat_messaging: 'Chat- oder Messenger-App (zum Beispiel WhatsApp, Snapchat, Telegram, Discord)',
    video_channel: 'Videoseite oder -kanal',
    image_host: 'Seite zum Teilen von Bildern',
    file_host_cyberlocker: 'Seite zum Teilen oder Herunterladen von Dateien',
    forum: 'Forum',
    blog: 'Blog',
    website: 'Eine andere Website',
    search_provider: 'Suchergebnisse (zum Beispiel Google oder Bing)',
    banner_site: 'Eine Werbeanzeige oder ein Banner',
    p2p: 'Tauschbörse (Peer-to-Peer, Torrent)',
    dark_web: 'Darknet (Tor, .onion-Adresse)',
    other: 'Woanders',
  },
  dangerLabel: 'Ein Kind ist gerade in Gefahr',
  dangerNow: 'Rufen Sie jetzt die Polizei an: {phone}. Senden Sie danach auch diese Meldung.',

  contactLegend: 'Kontakt zu mir (freiwillig)',
  contactIntro: [
    'Ihre Meldung ist anonym. Lassen Sie diesen Teil leer, wenn Sie anonym bleiben möchten.',
    'Wenn wir Ihnen Rückfragen stellen dürfen, geben Sie eine E-Mail-Adresse oder Telefonnummer an. Wir speichern diese Angaben getrennt von Ihrer Meldung, verschlüsselt, und löschen sie, sobald Ihre Meldung abgeschlossen ist.',
  ],
  contactName: 'Name (freiwillig)',
  contactEmail: 'E-Mail-Adresse',
  contactPhone: 'Telefonnummer',
  contactConsent: '{hotline} darf mich zu dieser Meldung kontaktieren.',

  honeypotLabel: 'Website (leer lassen)',
  anonymousNote: 'Ihre Meldung ist anonym, außer Sie haben Kontaktdaten angegeben.',
  send: 'Meldung senden',
  sending: 'Wird gesendet…',
  retry: 'Noch einmal versuchen',

  errorSummary: 'Bitte prüfen Sie diese Punkte:',
  errorUrlMissing: 'Geben Sie mindestens eine Internetadresse an.',
  errorUrlInvalid:
    'Das ist keine Internetadresse. Kopieren Sie sie aus der Adressleiste: Sie beginnt mit https:// oder http://.',
  errorUrlTooLong: 'Diese Internetadresse ist zu lang (höchstens 2048 Zeichen).',
  errorConcernMissing: 'Wählen Sie mindestens einen Punkt aus, der Ihnen Sorgen macht.',
  errorDescriptionTooLong: 'Die Beschreibung ist zu lang (höchstens {max} Zeichen).',
  errorSeenWhere: 'Wählen Sie aus der Liste, wo Sie es gesehen haben.',
  errorName: 'Dieser Name ist zu lang.',
  errorEmail: 'Diese E-Mail-Adresse scheint nicht zu stimmen. Prüfen Sie sie oder lassen Sie das Feld leer.',
  errorPhone:
    'Diese Telefonnummer scheint nicht zu stimmen. Verwenden Sie nur Ziffern, Leerzeichen und +, oder lassen Sie das Feld leer.',
  errorContactHow:
    'Damit wir Sie kontaktieren können, geben Sie eine E-Mail-Adresse oder Telefonnummer an (oder lassen Sie diesen Teil leer).',
  errorConsent:
    'Kreuzen Sie dieses Kästchen an, damit wir Sie kontaktieren dürfen, oder lassen Sie die Kontaktdaten leer.',
  errorInvalidOther: 'Etwas im Formular stimmt nicht. Bitte prüfen Sie es und versuchen Sie es noch einmal.',
  errorRateLimited:
    'Von dieser Verbindung kamen in kurzer Zeit viele Meldungen. Bitte warten Sie kurz und versuchen Sie es noch einmal.',
  errorRateLimitedMinutes:
    'Von dieser Verbindung kamen in kurzer Zeit viele Meldungen. Bitte warten Sie {minutes} Minuten und versuchen Sie es noch einmal.',
  errorServer:
    'Das Senden hat nicht geklappt (ein Problem mit der Verbindung oder bei uns). Ihre Meldung ist noch da: Klicken Sie auf „Noch einmal versuchen“.',

  receiptTitle: 'Danke. Wir haben Ihre Meldung erhalten.',
  receiptLabel: 'Ihr Eingangscode',
  receiptWriteDown:
    'Schreiben Sie diesen Code auf oder bewahren Sie ihn sicher auf. Nur damit können Sie Ihre Meldung verfolgen: Wir wissen nicht, wer Sie sind, und können ihn deshalb nicht für Sie nachschauen.',
  copy: 'Code kopieren',
  copied: 'Kopiert',
  copyFailed: 'Das Kopieren hat nicht geklappt. Bitte schreiben Sie den Code auf.',
  receiptNext: [
    'Eine Analystin oder ein Analyst prüft die angegebenen Internetadressen. Sie müssen nichts weiter tun.',
    'Zum Schutz aller teilen wir keine Einzelheiten unserer Prüfung mit. Sie können aber sehen, ob Ihre Meldung eingegangen ist, bearbeitet wird oder abgeschlossen ist.',
  ],
  receiptDanger:
    'Sie haben angegeben, dass ein Kind gerade in Gefahr ist. Falls noch nicht geschehen, rufen Sie die Polizei an: {phone}.',
  newReport: 'Noch etwas melden',

  statusTitle: 'Eine Meldung verfolgen',
  statusIntro:
    'Geben Sie den Eingangscode ein, den Sie nach Ihrer Meldung erhalten haben. Er beginnt mit HL-.',
  statusLabel: 'Eingangscode',
  statusCheck: 'Nachsehen',
  statusChecking: 'Wird nachgesehen…',
  statusNames: { received: 'Eingegangen', in_progress: 'In Bearbeitung', closed: 'Abgeschlossen' },
  statusTexts: {
    received: 'Ihre Meldung vom {day} ({urls}) wartet auf die Prüfung.',
    in_progress: 'Jemand aus unserem Team bearbeitet Ihre Meldung vom {day} ({urls}).',
    closed: 'Wir haben Ihre Meldung vom {day} ({urls}) fertig bearbeitet. Danke für Ihre Meldung.',
  },
  urlCountOne: '1 Internetadresse',
  urlCountMany: '{count} Internetadressen',
  statusMissing: 'Geben Sie zuerst Ihren Eingangscode ein.',
  statusNotFound:
    'Wir finden keine Meldung mit diesem Code. Bitte prüfen Sie jedes Zeichen: Der Code sieht so aus: HL-XXXX-XXXX-XXXX-XXXX.',
  statusRateLimited: 'Zu viele Versuche. Bitte warten Sie eine Weile und versuchen Sie es dann noch einmal.',
  statusFailed: 'Das Nachsehen hat nicht geklappt. Bitte versuchen Sie es gleich noch einmal.',

  helpTitle: 'Möchten Sie darüber sprechen?',
  helpUpset: 'Solche Inhalte zu sehen, kann sehr belasten. Es war richtig, sie zu melden.',
  helpLine: 'Rufen Sie {name} an: {phone}. Der Anruf ist kostenlos.',
  helpPolice: 'Wenn ein Kind gerade in Gefahr ist, rufen Sie die Polizei an: {phone}.',
  ownImagesFooter: 'Für Jugendliche: die Verbreitung eigener Bilder stoppen',
};

/** The report page's texts in each language. */
export const REPORT_MESSAGES: Readonly<Record<Language, ReportMessages>> = { nl, fr, de, en };
