// Notices to hosts and hand-overs to the police, per language (nl, fr, de, en). Wording follows
// the Luxembourg Terminology Guidelines ("child sexual abuse material", never other terms) and the
// elements a notice needs under the Digital Services Act, Art. 16(2): the reasons, the exact
// location, and a statement of good faith. A notice never holds media, the reporter's identity or
// the report's text: only the URL(s), a reference and the hotline's own details.
import { DomainError } from '../../domain-error.js';
import { REPORT_LANGUAGES, type ReportLanguage } from '../hotline-records.js';

/** The two messages the takedown sends. */
export const NOTICE_KINDS = [
  /** To the host's abuse desk: remove or disable access. */
  'host_notice',
  /** To the national police unit, when notice and takedown goes through the police (Belgium). */
  'police_handover',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** A subject and a plain-text body with `{{placeholder}}`s, and the default legal-basis line. */
export interface NoticeTemplate {
  readonly subject: string;
  readonly body: string;
}

/** Every template, by kind and language. */
export type NoticeTemplates = Readonly<Record<NoticeKind, Readonly<Record<ReportLanguage, NoticeTemplate>>>>;

/** What a template may say, filled by {@link renderNotice}. */
export interface NoticeValues {
  /** The hotline's name (configuration). */
  readonly hotlineName: string;
  /** The URL(s), one per line in the body. */
  readonly urls: readonly string[];
  /** The takedown's reference (its id). */
  readonly reference: string;
  /** The date of the notice, ISO `YYYY-MM-DD` (unambiguous in every language). */
  readonly date: string;
  /** The legal-basis line. */
  readonly legalBasis: string;
  /** Where replies go (an e-mail address). */
  readonly contact: string;
  /** The police/referral reference (police hand-over), or a dash. */
  readonly referralReference: string;
  /** The host's abuse desk (police hand-over: who the police will contact). */
  readonly hostContact: string;
}

/** The placeholders templates may use. */
export const NOTICE_PLACEHOLDERS: readonly (keyof NoticeValues)[] = [
  'hotlineName',
  'urls',
  'reference',
  'date',
  'legalBasis',
  'contact',
  'referralReference',
  'hostContact',
];

/**
 * The default legal-basis line per language: the EU directive against child sexual abuse
 * material (offences, Art. 5; removal, Art. 25) and the DSA's notice mechanism (Art. 16). A
 * deployment names its national law instead by configuration.
 */
export const DEFAULT_LEGAL_BASIS: Readonly<Record<ReportLanguage, string>> = {
  en: 'Directive 2011/93/EU on combating the sexual abuse and sexual exploitation of children, Articles 5 and 25; Regulation (EU) 2022/2065 (Digital Services Act), Article 16',
  nl: 'Richtlijn 2011/93/EU ter bestrijding van seksueel misbruik en seksuele uitbuiting van kinderen, artikelen 5 en 25; Verordening (EU) 2022/2065 (digitaledienstenverordening), artikel 16',
  fr: "Directive 2011/93/UE relative à la lutte contre les abus sexuels et l'exploitation sexuelle des enfants, articles 5 et 25 ; règlement (UE) 2022/2065 (règlement sur les services numériques), article 16",
  de: 'Richtlinie 2011/93/EU zur Bekämpfung des sexuellen Missbrauchs und der sexuellen Ausbeutung von Kindern, Artikel 5 und 25; Verordnung (EU) 2022/2065 (Gesetz über digitale Dienste), Artikel 16',
};

/** The built-in templates. */
export const DEFAULT_NOTICE_TEMPLATES: NoticeTemplates = {
  host_notice: {
    en: {
      subject: 'Notice of child sexual abuse material on your service – reference {{reference}}',
      body: `Dear abuse team,

{{hotlineName}} is a hotline for reports of child sexual abuse material. After assessment by our trained analysts, we consider the content at the following location(s) on your service to be child sexual abuse material, which is illegal:

{{urls}}

Reference: {{reference}}
Date of this notice: {{date}}
Legal basis: {{legalBasis}}

We ask you to remove or disable access to this content without delay, and to make sure it is not made available again. Please preserve related data as the law that applies to you requires, so that it stays available to law enforcement.

For legal reasons and to protect the children concerned, this notice contains no images or copies of the material. Please do not share this notice or the location(s) further than is needed to act on it.

We submit this notice in good faith and believe the information in it to be accurate and complete.

Please confirm the removal by replying to {{contact}}, quoting the reference above.

Kind regards,
{{hotlineName}}
`,
    },
    nl: {
      subject:
        'Melding van materiaal van seksueel misbruik van kinderen op uw dienst – referentie {{reference}}',
      body: `Geachte abuse-afdeling,

{{hotlineName}} is een meldpunt voor materiaal van seksueel misbruik van kinderen. Na beoordeling door onze opgeleide analisten beschouwen wij de inhoud op de volgende locatie(s) van uw dienst als materiaal van seksueel misbruik van kinderen. Deze inhoud is illegaal:

{{urls}}

Referentie: {{reference}}
Datum van deze melding: {{date}}
Rechtsgrond: {{legalBasis}}

Wij vragen u deze inhoud onverwijld te verwijderen of de toegang ertoe onmogelijk te maken, en ervoor te zorgen dat ze niet opnieuw beschikbaar wordt. Gelieve de bijbehorende gegevens te bewaren zoals het op u toepasselijke recht vereist, zodat ze beschikbaar blijven voor politie en justitie.

Om wettelijke redenen en ter bescherming van de betrokken kinderen bevat deze melding geen beelden of kopieën van het materiaal. Gelieve deze melding en de locatie(s) niet verder te verspreiden dan nodig is om op te treden.

Wij doen deze melding te goeder trouw en menen dat de gegevens erin juist en volledig zijn.

Gelieve de verwijdering te bevestigen door te antwoorden aan {{contact}}, met vermelding van de referentie hierboven.

Met vriendelijke groet,
{{hotlineName}}
`,
    },
    fr: {
      subject:
        "Signalement de matériel d'abus sexuels sur enfants sur votre service – référence {{reference}}",
      body: `Madame, Monsieur,

{{hotlineName}} est un point de signalement du matériel d'abus sexuels sur enfants. Après évaluation par nos analystes formés, nous considérons que le contenu aux emplacements suivants de votre service constitue du matériel d'abus sexuels sur enfants, qui est illégal :

{{urls}}

Référence : {{reference}}
Date du présent signalement : {{date}}
Base légale : {{legalBasis}}

Nous vous demandons de retirer ce contenu ou d'en rendre l'accès impossible sans délai, et de veiller à ce qu'il ne soit pas remis à disposition. Veuillez conserver les données associées comme le droit qui vous est applicable l'exige, afin qu'elles restent à la disposition des autorités policières et judiciaires.

Pour des raisons légales et afin de protéger les enfants concernés, ce signalement ne contient aucune image ni copie du matériel. Veuillez ne pas diffuser ce signalement ni les emplacements au-delà de ce qui est nécessaire pour agir.

Nous effectuons ce signalement de bonne foi et estimons que les informations qu'il contient sont exactes et complètes.

Veuillez confirmer le retrait en répondant à {{contact}}, en mentionnant la référence ci-dessus.

Veuillez agréer, Madame, Monsieur, nos salutations distinguées.
{{hotlineName}}
`,
    },
    de: {
      subject:
        'Meldung von Darstellungen sexuellen Missbrauchs von Kindern auf Ihrem Dienst – Referenz {{reference}}',
      body: `Sehr geehrte Damen und Herren,

{{hotlineName}} ist eine Meldestelle für Darstellungen sexuellen Missbrauchs von Kindern. Nach Prüfung durch unsere geschulten Analystinnen und Analysten stufen wir die Inhalte unter der folgenden Adresse bzw. den folgenden Adressen Ihres Dienstes als Darstellungen sexuellen Missbrauchs von Kindern ein. Diese Inhalte sind rechtswidrig:

{{urls}}

Referenz: {{reference}}
Datum dieser Meldung: {{date}}
Rechtsgrundlage: {{legalBasis}}

Wir bitten Sie, diese Inhalte unverzüglich zu entfernen oder den Zugang zu ihnen zu sperren und dafür zu sorgen, dass sie nicht erneut verfügbar werden. Bitte sichern Sie zugehörige Daten, soweit das für Sie geltende Recht es verlangt, damit sie den Strafverfolgungsbehörden zur Verfügung stehen.

Aus rechtlichen Gründen und zum Schutz der betroffenen Kinder enthält diese Meldung keine Bilder oder Kopien des Materials. Bitte geben Sie diese Meldung und die Adressen nicht weiter, als es zum Handeln nötig ist.

Wir erstatten diese Meldung in gutem Glauben und halten die Angaben darin für richtig und vollständig.

Bitte bestätigen Sie die Entfernung mit einer Antwort an {{contact}} unter Angabe der obigen Referenz.

Mit freundlichen Grüßen
{{hotlineName}}
`,
    },
  },
  police_handover: {
    en: {
      subject:
        'Child sexual abuse material hosted in your jurisdiction – notice and takedown – reference {{reference}}',
      body: `Dear colleagues,

{{hotlineName}} has assessed the content at the following location(s) as child sexual abuse material hosted in your jurisdiction. Under the agreed procedure, notice and takedown for this content goes through your unit:

{{urls}}

Our reference: {{reference}}
Referral reference: {{referralReference}}
Hosting provider's abuse contact: {{hostContact}}
Date: {{date}}
Legal basis: {{legalBasis}}

This message contains no images or copies of the material. We keep checking whether the content is still online and record when it is removed.

Please reply to {{contact}} with any question, quoting our reference.

Kind regards,
{{hotlineName}}
`,
    },
    nl: {
      subject:
        'Materiaal van seksueel misbruik van kinderen gehost in uw rechtsgebied – notice and takedown – referentie {{reference}}',
      body: `Geachte collega's,

{{hotlineName}} heeft de inhoud op de volgende locatie(s) beoordeeld als materiaal van seksueel misbruik van kinderen dat in uw rechtsgebied wordt gehost. Volgens de afgesproken procedure verloopt de verwijdering van deze inhoud via uw dienst:

{{urls}}

Onze referentie: {{reference}}
Referentie van de doorverwijzing: {{referralReference}}
Abuse-contact van de hostingprovider: {{hostContact}}
Datum: {{date}}
Rechtsgrond: {{legalBasis}}

Dit bericht bevat geen beelden of kopieën van het materiaal. Wij blijven controleren of de inhoud nog online staat en registreren wanneer ze verwijderd is.

Gelieve met vragen te antwoorden aan {{contact}}, met vermelding van onze referentie.

Met vriendelijke groet,
{{hotlineName}}
`,
    },
    fr: {
      subject:
        "Matériel d'abus sexuels sur enfants hébergé dans votre ressort – retrait – référence {{reference}}",
      body: `Chers collègues,

{{hotlineName}} a évalué le contenu aux emplacements suivants comme du matériel d'abus sexuels sur enfants hébergé dans votre ressort. Selon la procédure convenue, la demande de retrait de ce contenu passe par votre service :

{{urls}}

Notre référence : {{reference}}
Référence du renvoi : {{referralReference}}
Contact abus de l'hébergeur : {{hostContact}}
Date : {{date}}
Base légale : {{legalBasis}}

Ce message ne contient aucune image ni copie du matériel. Nous continuons à vérifier si le contenu est encore en ligne et enregistrons la date de son retrait.

Pour toute question, veuillez répondre à {{contact}} en mentionnant notre référence.

Cordialement,
{{hotlineName}}
`,
    },
    de: {
      subject:
        'In Ihrem Zuständigkeitsbereich gehostete Darstellungen sexuellen Missbrauchs von Kindern – Entfernung – Referenz {{reference}}',
      body: `Sehr geehrte Kolleginnen und Kollegen,

{{hotlineName}} hat die Inhalte unter der folgenden Adresse bzw. den folgenden Adressen als Darstellungen sexuellen Missbrauchs von Kindern eingestuft, die in Ihrem Zuständigkeitsbereich gehostet werden. Nach dem vereinbarten Verfahren läuft die Entfernung dieser Inhalte über Ihre Dienststelle:

{{urls}}

Unsere Referenz: {{reference}}
Referenz der Weiterleitung: {{referralReference}}
Abuse-Kontakt des Hosters: {{hostContact}}
Datum: {{date}}
Rechtsgrundlage: {{legalBasis}}

Diese Nachricht enthält keine Bilder oder Kopien des Materials. Wir prüfen weiterhin, ob die Inhalte noch online sind, und halten fest, wann sie entfernt wurden.

Bitte antworten Sie bei Fragen an {{contact}} unter Angabe unserer Referenz.

Mit freundlichen Grüßen
{{hotlineName}}
`,
    },
  },
};

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** The problems of a template: unknown placeholders, an empty subject or body, a subject on several lines. */
export function templateProblems(template: NoticeTemplate): string[] {
  const problems: string[] = [];
  if (template.subject.trim() === '') problems.push('the subject is empty');
  if (/[\r\n]/.test(template.subject)) problems.push('the subject must be one line');
  if (template.body.trim() === '') problems.push('the body is empty');
  for (const text of [template.subject, template.body]) {
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (!(NOTICE_PLACEHOLDERS as readonly string[]).includes(match[1]!)) {
        problems.push(`unknown placeholder {{${match[1]}}}`);
      }
    }
  }
  return problems;
}

/**
 * The built-in templates with some replaced (an override directory); every override is checked.
 * @throws {DomainError} VALIDATION_FAILED naming the template and its problem
 */
export function mergeNoticeTemplates(
  overrides: Partial<Record<NoticeKind, Partial<Record<ReportLanguage, NoticeTemplate>>>>,
  base: NoticeTemplates = DEFAULT_NOTICE_TEMPLATES,
): NoticeTemplates {
  const merged = { host_notice: { ...base.host_notice }, police_handover: { ...base.police_handover } };
  for (const kind of NOTICE_KINDS) {
    for (const language of REPORT_LANGUAGES) {
      const template = overrides[kind]?.[language];
      if (!template) continue;
      const problems = templateProblems(template);
      if (problems.length > 0) {
        throw new DomainError(
          'VALIDATION_FAILED',
          `Notice template ${kind}.${language}: ${problems.join('; ')}.`,
        );
      }
      merged[kind][language] = template;
    }
  }
  return merged;
}

/** A filled notice: a one-line subject and a plain-text body. */
export interface RenderedNotice {
  readonly subject: string;
  readonly text: string;
}

/**
 * Fills a template. Values go in as plain text (the e-mail is text/plain); line breaks are
 * removed from everything that lands in the subject, so no value can add a mail header.
 */
export function renderNotice(template: NoticeTemplate, values: NoticeValues): RenderedNotice {
  const fill = (text: string, inSubject: boolean): string =>
    text.replace(PLACEHOLDER, (whole, name: string) => {
      if (!(NOTICE_PLACEHOLDERS as readonly string[]).includes(name)) return whole;
      const key = name as keyof NoticeValues;
      const value =
        key === 'urls'
          ? inSubject
            ? values.urls.join(' ')
            : values.urls.map((u) => `  ${u}`).join('\n')
          : values[key];
      return inSubject ? value.replace(/[\r\n]+/g, ' ') : value;
    });
  return { subject: fill(template.subject, true).trim(), text: fill(template.body, false) };
}
