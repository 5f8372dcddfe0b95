// NCMEC CyberTipline vocabularies (DOMAIN.md §3.2). Every word here follows the Luxembourg
// Terminology Guidelines, the first incident type included: Hashline writes "Child Sexual Abuse
// Material" where NCMEC's published XSD (2014/15 copy) still spells the US statutory term. The
// exported file is Hashline's document; a live submission adapter (not built: nothing is sent to
// NCMEC) must map this key to the enumeration NCMEC publishes at the time of submission.

/** Incident types by Hashline key, with the text written into `<incidentType>`. */
export const CYBERTIPLINE_INCIDENT_TYPES = {
  csam: 'Child Sexual Abuse Material (possession, manufacture, and distribution)',
  child_sex_trafficking: 'Child Sex Trafficking',
  child_sex_tourism: 'Child Sex Tourism',
  child_sexual_molestation: 'Child Sexual Molestation',
  misleading_domain_name: 'Misleading Domain Name',
  misleading_words_or_images: 'Misleading Words or Digital Images on the Internet',
  online_enticement: 'Online Enticement of Children for Sexual Acts',
  unsolicited_obscene_material: 'Unsolicited Obscene Material Sent to a Child',
} as const;
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
