// NCMEC CyberTipline vocabularies (DOMAIN.md §3.2). Every word a person reads follows the
// Luxembourg Terminology Guidelines: the labels below, the API's own fields (the keys), the CLI,
// the UI and the docs say "child sexual abuse material". What goes on the wire to NCMEC is NCMEC's
// data: its schema enumerates `<incidentType>` values, and a report carrying any other value is
// refused (responseCode 4100), so those values are written exactly as the schema lists them.

/**
 * NCMEC's `<incidentType>` value for child sexual abuse material. NCMEC's Reporting API schema
 * fixes this category to the US statutory name (18 U.S.C. § 2258A), and a report whose value is
 * not one of the schema's enumerated strings is rejected. It is therefore a foreign API's
 * enumeration value, kept verbatim as data in this ONE place and written only into the XML sent to
 * NCMEC; never show it to a person: use {@link CYBERTIPLINE_INCIDENT_LABELS}.csam instead.
 */
export const NCMEC_INCIDENT_TYPE_CSAM = 'Child Pornography (possession, manufacture, and distribution)'; // enumeration value (NCMEC schema)

/** Incident types by Hashline key: NCMEC's enumeration value written into `<incidentType>`. */
export const CYBERTIPLINE_INCIDENT_TYPES = {
  csam: NCMEC_INCIDENT_TYPE_CSAM,
  child_sex_trafficking: 'Child Sex Trafficking',
  child_sex_tourism: 'Child Sex Tourism',
  child_sexual_molestation: 'Child Sexual Molestation',
  misleading_domain_name: 'Misleading Domain Name',
  misleading_words_or_images: 'Misleading Words or Digital Images on the Internet',
  online_enticement: 'Online Enticement of Children for Sexual Acts',
  unsolicited_obscene_material: 'Unsolicited Obscene Material Sent to a Child',
} as const;

/** Incident types by Hashline key, in Hashline's words: what a person reads (UI, CLI, API, docs). */
export const CYBERTIPLINE_INCIDENT_LABELS: Readonly<
  Record<keyof typeof CYBERTIPLINE_INCIDENT_TYPES, string>
> = {
  csam: 'Child sexual abuse material (possession, manufacture, and distribution)',
  child_sex_trafficking: 'Child sex trafficking',
  child_sex_tourism: 'Child sex tourism',
  child_sexual_molestation: 'Child sexual abuse (contact)',
  misleading_domain_name: 'Misleading domain name',
  misleading_words_or_images: 'Misleading words or digital images on the internet',
  online_enticement: 'Online enticement of children for sexual acts',
  unsolicited_obscene_material: 'Unsolicited obscene material sent to a child',
};
/** A Hashline key of an incident type. */
export type CyberTiplineIncidentKey = keyof typeof CYBERTIPLINE_INCIDENT_TYPES;
/** The keys, for validation messages. */
export const CYBERTIPLINE_INCIDENT_KEYS = Object.keys(
  CYBERTIPLINE_INCIDENT_TYPES,
) as CyberTiplineIncidentKey[];

/** `<fileAnnotations>` flags, in schema order. */
export const CYBERTIPLINE_FILE_ANNOTATIONS = [
  'animeDrawingVirtualHentai',
  'potentialMeme',
  'viral',
  'possibleSelfProduction',
  'physicalHarm',
  'violenceGore',
  'bestiality',
  'liveStreaming',
  'infant',
  'generativeAi',
] as const;
export type CyberTiplineFileAnnotation = (typeof CYBERTIPLINE_FILE_ANNOTATIONS)[number];

/** `ipCaptureEvent/eventName` values. */
export const CYBERTIPLINE_IP_EVENTS = [
  'Login',
  'Registration',
  'Purchase',
  'Upload',
  'Other',
  'Unknown',
] as const;
export type CyberTiplineIpEvent = (typeof CYBERTIPLINE_IP_EVENTS)[number];

/** `originalFileHash/@hashType` values Hashline writes. */
export const CYBERTIPLINE_HASH_TYPES = ['MD5', 'SHA1', 'SHA256', 'PDQ'] as const;
export type CyberTiplineHashType = (typeof CYBERTIPLINE_HASH_TYPES)[number];

/** `fileRelevance` values. */
export const CYBERTIPLINE_FILE_RELEVANCE = ['Reported', 'Supplemental Reported'] as const;

/** Longest `escalateToHighPriority` reason NCMEC accepts. */
export const MAX_ESCALATION_REASON = 3000;
