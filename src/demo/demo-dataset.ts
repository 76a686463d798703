import type { PrismClient } from '../../client/src/index.js';

type Row = Record<string, unknown>;

/** What the demo created on the source node (ids the later steps change). */
export interface DemoDataset {
  volunteers: Row[];
  sessions: Row[];
  annotations: Row[];
  files: { count: number; bytes: number };
  requests: number;
}

const CATALOGS: { path: string; rows: Row[] }[] = [
  { path: 'snomed/body-regions', rows: [{ snomedCode: '38266002', displayName: 'Entire body as a whole', parentRegionCode: null, description: 'Whole body', isActive: true }, { snomedCode: '53120007', displayName: 'Upper limb', parentRegionCode: '38266002', description: 'Arm, forearm and hand', isActive: true }] },
  { path: 'snomed/body-structures', rows: [{ snomedCode: '85050009', bodyRegionCode: '53120007', displayName: 'Forearm', structureType: 'Limb segment', parentStructureCode: null, description: 'Structure of forearm', isActive: true }, { snomedCode: '91723000', bodyRegionCode: '53120007', displayName: 'Muscle of upper limb', structureType: 'Muscle', parentStructureCode: '85050009', description: 'Anatomical structure', isActive: true }] },
  { path: 'snomed/topographical-modifiers', rows: [{ code: '255549009', displayName: 'Anterior', category: 'Position', description: 'Anterior aspect', isActive: true }, { code: '255551008', displayName: 'Posterior', category: 'Position', description: 'Posterior aspect', isActive: true }] },
  { path: 'snomed/lateralities', rows: [{ code: '7771000', displayName: 'Left', description: 'Left side', isActive: true }, { code: '24028007', displayName: 'Right', description: 'Right side', isActive: true }] },
  { path: 'snomed/severity-codes', rows: [{ code: '255604002', displayName: 'Mild', description: 'Mild severity', isActive: true }, { code: '6736007', displayName: 'Moderate', description: 'Moderate severity', isActive: true }] },
  { path: 'snomed/clinical-conditions', rows: [{ snomedCode: '38341003', displayName: 'Hypertensive disorder', description: 'High blood pressure', isActive: true }, { snomedCode: '73211009', displayName: 'Diabetes mellitus', description: 'Diabetes', isActive: true }] },
  { path: 'snomed/clinical-events', rows: [{ snomedCode: '22253000', displayName: 'Pain', description: 'Pain reported by the volunteer', isActive: true }, { snomedCode: '68962001', displayName: 'Muscle pain', description: 'Myalgia', isActive: true }] },
  { path: 'snomed/medications', rows: [{ snomedCode: '386864001', medicationName: 'Amlodipine 5 mg', activeIngredient: 'Amlodipine', anvisaCode: '1043100510016', isActive: true }, { snomedCode: '109081006', medicationName: 'Metformin 850 mg', activeIngredient: 'Metformin', anvisaCode: '1058300450021', isActive: true }] },
  { path: 'snomed/allergy-intolerances', rows: [{ snomedCode: '91936005', category: 'medication', substanceName: 'Penicillin', type: 'allergy', isActive: true }, { snomedCode: '300916003', category: 'food', substanceName: 'Latex', type: 'allergy', isActive: true }] },
];

const PEOPLE = ['Ana Souza', 'Bruno Lima', 'Carla Mendes', 'Diego Rocha', 'Elisa Prado', 'Fábio Nunes'];
const RESEARCHERS = [
  { name: 'Dr. Helena Castro', role: 'Principal investigator', orcid: '0000000218250097' },
  { name: 'Dr. Igor Martins', role: 'Physiotherapist', orcid: '0000000312345678' },
  { name: 'Júlia Ferraz', role: 'Research assistant', orcid: '0000000298765432' },
];

/** Microsecond timestamps, as the node keeps them. */
function at(day: number, hour = 9, minute = 0, micros = 0): string {
  return `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.${String(micros).padStart(6, '0')}Z`;
}

/** A synthetic surface EMG trace (CSV: time in ms, value in mV) of about `kib` KiB. */
export function emgRecording(seed: number, kib: number): Uint8Array<ArrayBuffer> {
  const lines = ['timestamp_ms,emg_mv'];
  let bytes = lines[0].length;
  for (let i = 0; bytes < kib * 1024; i++) {
    const burst = Math.sin(i / 400 + seed) > 0.6 ? 1.8 : 0.15;
    const line = `${(i * 0.5).toFixed(1)},${(burst * Math.sin(i * 1.7 + seed) * Math.cos(i / 13)).toFixed(5)}`;
    lines.push(line);
    bytes += line.length + 1;
  }
  return new TextEncoder().encode(lines.join('\n'));
}

/**
 * Fills a node with a small but complete research dataset over its HTTP API: SNOMED catalogs,
 * researchers, devices with sensors, volunteers with clinical data, two research projects, and
 * sessions with target areas, records, channels (each with an uploaded EMG recording) and
 * annotations. Returns what later steps modify.
 */
export async function buildDemoDataset(client: PrismClient, size = { volunteers: 6, sessionsPerVolunteer: 2, fileKib: 96 }): Promise<DemoDataset> {
  let requests = 0;
  const post = async (path: string, body: Row): Promise<Row> => {
    requests++;
    return client.http.json<Row>('POST', `/api/${path}`, { body });
  };
  for (const catalog of CATALOGS) for (const row of catalog.rows) await post(catalog.path, row);

  const researchers: Row[] = [];
  for (const [i, r] of RESEARCHERS.entries()) {
    researchers.push(await post('researchers', { ...r, email: `${r.name.split(' ').at(-1)!.toLowerCase()}@prism-demo.org`, institution: i === 2 ? 'Hospital das Clínicas' : 'Universidade Federal de Goiás' }));
  }
  const recordedBy = researchers[0].researcherId;

  const devices: { device: Row; sensors: Row[] }[] = [];
  for (const [i, name] of ['Delsys Trigno EMG', 'Shimmer3 IMU'].entries()) {
    const device = await post('devices', { deviceName: name, manufacturer: i === 0 ? 'Delsys' : 'Shimmer', model: i === 0 ? 'Trigno Avanti' : 'Shimmer3', additionalInfo: 'demo device' });
    const sensors: Row[] = [];
    for (const [j, unit] of (i === 0 ? ['mV', 'mV'] : ['m/s²', 'deg/s']).entries()) {
      sensors.push(await post(`devices/${device.deviceId}/sensors`, { sensorName: `${name} channel ${j + 1}`, maxSamplingRate: i === 0 ? 2000 : 512, unit, minRange: -5, maxRange: 5, accuracy: 0.01, additionalInfo: '' }));
    }
    devices.push({ device, sensors });
  }

  const volunteers: Row[] = [];
  for (const [i, name] of PEOPLE.slice(0, size.volunteers).entries()) {
    const volunteer = await post('volunteers', {
      volunteerCode: `VOL-${String(i + 1).padStart(3, '0')}`,
      name,
      email: `${name.split(' ')[0].toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}.${i}@example.org`,
      birthDate: at(1 + i, 0).replace('2026', String(1970 + i * 5)),
      gender: i % 2 ? 'male' : 'female',
      bloodType: ['A+', 'O+', 'B-', 'AB+', 'O-', 'A-'][i % 6],
      height: 1.6 + i * 0.04,
      weight: 58 + i * 6,
      consentStatus: 'granted',
      enrolledAt: at(1 + i, 10, 0, 123456 + i),
    });
    volunteers.push(volunteer);
    const v = `volunteers/${volunteer.volunteerId}`;
    const condition = await post(`${v}/clinical-conditions`, { snomedCode: i % 2 ? '73211009' : '38341003', clinicalStatus: 'active', recordedBy });
    await post(`${v}/medications`, { medicationSnomedCode: i % 2 ? '109081006' : '386864001', conditionId: condition.id, dosage: i % 2 ? '850 mg' : '5 mg', frequency: 'daily', route: 'oral', startDate: at(2), endDate: null, status: 'active', notes: '', recordedBy });
    if (i % 3 === 0) {
      await post(`${v}/allergy-intolerances`, { allergyIntoleranceSnomedCode: '91936005', criticality: 'high', clinicalStatus: 'active', manifestations: ['urticaria'], onsetDate: null, lastOccurrence: null, verificationStatus: 'confirmed', recordedBy });
    }
  }

  const projects: Row[] = [];
  for (const [i, title] of ['Forearm EMG fatigue study', 'Post-stroke rehabilitation follow-up'].entries()) {
    const research = await post('research', { title, description: `${title} (PRISM demo)`, startDate: at(1), endDate: null, status: 'active' });
    projects.push(research);
    const r = `research/${research.id}`;
    await post(`${r}/applications`, { appName: 'IRIS desktop', url: 'https://iris.example.org', description: 'acquisition app', additionalInfo: '' });
    for (const [j, researcher] of researchers.entries()) await post(`${r}/researchers`, { researcherId: researcher.researcherId, isPrincipal: j === 0, assignedAt: at(1), removedAt: null });
    await post(`${r}/devices`, { deviceId: devices[i].device.deviceId, role: 'acquisition', addedAt: at(1), removedAt: null, calibrationStatus: 'calibrated', lastCalibrationDate: at(1) });
    for (const volunteer of volunteers.filter((_, k) => k % 2 === i)) {
      await post(`${r}/volunteers`, { volunteerId: volunteer.volunteerId, enrollmentStatus: 'enrolled', consentDate: at(2), consentVersion: 'v2.1', exclusionReason: null, enrolledAt: at(2), withdrawnAt: null });
    }
  }

  const sessions: Row[] = [];
  const annotations: Row[] = [];
  const files = { count: 0, bytes: 0 };
  for (const [i, volunteer] of volunteers.entries()) {
    for (let n = 0; n < size.sessionsPerVolunteer; n++) {
      const day = 5 + n * 7 + (i % 3);
      const session = await post('sessions', { researchId: projects[i % 2].id, volunteerId: volunteer.volunteerId, startAt: at(day, 9 + n), finishedAt: at(day, 10 + n), targetAreaId: null });
      sessions.push(session);
      const s = `sessions/${session.id}`;
      const area = await post(`${s}/target-area`, { bodyStructureCode: '85050009', lateralityCode: i % 2 ? '7771000' : '24028007' });
      await post(`target-areas/${area.id}/topographical-modifiers`, { topographicalModifierCode: '255549009' });
      await post(`volunteers/${volunteer.volunteerId}/vital-signs`, { recordSessionId: session.id, systolicBp: 118 + i, diastolicBp: 76 + n, heartRate: 64 + i, respiratoryRate: 14, temperature: 36.5, oxygenSaturation: 98, weight: volunteer.weight, height: volunteer.height, bmi: 23.4, measurementDatetime: at(day, 9 + n, 5), measurementContext: 'before session', recordedBy });
      await post(`volunteers/${volunteer.volunteerId}/clinical-events`, { eventType: 'symptom', snomedCode: '68962001', eventDatetime: at(day, 9 + n, 40), durationMinutes: 10, severityCode: '255604002', numericValue: 3, valueUnit: 'VAS', characteristics: { onset: 'during exercise' }, targetAreaId: area.id, recordSessionId: session.id, recordedBy });
      const record = await post(`${s}/records`, { collectionDate: at(day, 9 + n, 10), sessionId: `S-${i + 1}-${n + 1}`, recordType: 'EMG' });
      const device = devices[i % 2];
      for (const [c, sensor] of device.sensors.entries()) {
        const channel = await post(`records/${record.id}/channels`, { sensorId: sensor.sensorId, signalType: c === 0 ? 'EMG flexor' : 'EMG extensor', samplingRate: 2000, samplesCount: 0, startTimestamp: at(day, 9 + n, 10) });
        const file = emgRecording(i * 10 + n * 3 + c, size.fileKib);
        requests++;
        await client.http.send('PUT', `/api/record-channels/${channel.id}/file`, { raw: file, contentType: 'text/csv' });
        files.count++;
        files.bytes += file.length;
      }
      annotations.push(await post(`${s}/annotations`, { text: `Session ${n + 1} of ${volunteer.name}: protocol followed, no adverse events.` }));
    }
  }
  return { volunteers, sessions, annotations, files, requests };
}

/**
 * A few changes on the source after the first pull: two volunteers updated, one annotation added,
 * one deleted. The incremental pull must move exactly these.
 */
export async function changeSomeRows(client: PrismClient, dataset: DemoDataset): Promise<string[]> {
  const [first, second] = dataset.volunteers;
  await client.http.json('PATCH', `/api/volunteers/${first.volunteerId}`, { body: { weight: Number(first.weight) + 1.5 } });
  await client.http.json('PATCH', `/api/volunteers/${second.volunteerId}`, { body: { consentStatus: 'renewed' } });
  const session = dataset.sessions[0];
  await client.http.json('POST', `/api/sessions/${session.id}/annotations`, { body: { text: 'Follow-up call: volunteer reports no pain.' } });
  const removed = dataset.annotations[1];
  await client.http.send('DELETE', `/api/sessions/${removed.recordSessionId}/annotations/${removed.id}`);
  return [
    `volunteer ${first.volunteerCode}: weight ${first.weight} → ${Number(first.weight) + 1.5}`,
    `volunteer ${second.volunteerCode}: consentStatus → renewed`,
    `session ${String(session.id).slice(0, 8)}…: one annotation added`,
    `session ${String(removed.recordSessionId).slice(0, 8)}…: one annotation deleted`,
  ];
}
