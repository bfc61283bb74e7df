/**
 * SOAP 1.1 envelopes as vSphere endpoints answer them: the request's method element and header
 * (`vcSessionCookie`), `<XResponse xmlns="urn:vim25"><returnval>`, and faults as govmomi decodes
 * them: HTTP 500, `ServerFaultCode`, the fault object as `<detail><XFault xsi:type="X">`.
 */
import { decodeStruct, encodeField, encodeStruct, type WireObject, type WireValue } from './codec.js';
import { ARRAY, method, OPTIONAL, wireType } from './model.js';
import { parseXml, XmlError, type XmlElement } from './xml.js';

export const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:pbm="urn:pbm" xmlns:vsan="urn:vsan" xmlns:vslm="urn:vslm">\n<soapenv:Body>';
export const ENVELOPE_CLOSE = '</soapenv:Body>\n</soapenv:Envelope>';
export const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

export interface SoapRequest {
  method: string;
  body: XmlElement;
  /** `vcSessionCookie` from the SOAP header (PBM, VSLM send the session there). */
  headerCookie?: string;
}

export class SoapParseError extends Error {}

export function parseSoap(raw: Buffer): SoapRequest {
  let env: XmlElement;
  try {
    env = parseXml(raw.toString('utf8'));
  } catch (err) {
    throw new SoapParseError(err instanceof XmlError ? err.message : 'malformed XML');
  }
  if (env.name !== 'Envelope') throw new SoapParseError(`expected a SOAP Envelope, got <${env.name}>`);
  const body = env.children.find((c) => c.name === 'Body');
  const header = env.children.find((c) => c.name === 'Header');
  const call = body?.children[0];
  if (!call) throw new SoapParseError('the SOAP Body names no method');
  const cookie = header?.children.find((c) => c.name === 'vcSessionCookie')?.text.trim();
  return { method: call.name, body: call, headerCookie: cookie || undefined };
}

/** Decode a method's parameters by its generated request type. */
export function decodeParams(req: SoapRequest): WireObject {
  const m = method(req.method);
  if (!m) throw new SoapParseError(`unknown method ${req.method}`);
  const args = decodeStruct({ ...req.body, attrs: {} }, m.params);
  // A required argument left out is the deserializer's InvalidRequest, as vCenter answers, never
  // undefined inside a handler (FindChild without entity was a TypeError, a SystemError 500: found by the fuzz).
  for (const [name, , flags] of wireType(m.params)?.fields ?? []) {
    if (name !== '_this' && (flags & (OPTIONAL | ARRAY)) === 0 && args[name] === undefined) throw new SoapParseError(`Required parameter ${name} is missing`);
  }
  return args;
}

export function soapResponse(methodName: string, value: WireValue, ns = 'urn:vim25'): string {
  const m = method(methodName);
  const out: string[] = [ENVELOPE_OPEN, `<${methodName}Response xmlns="${ns}">`];
  if (m?.returns && value !== undefined && value !== null) {
    const [name, type, flags] = m.returns;
    encodeField(out, { name, type, poly: (flags & 4) !== 0, array: (flags & 1) !== 0 }, value);
  }
  out.push(`</${methodName}Response>`, ENVELOPE_CLOSE);
  return out.join('');
}

export function soapFault(fault: WireObject, message: string, ns = 'urn:vim25', faultcode = 'ServerFaultCode'): string {
  const type = fault._type ?? 'MethodFault';
  const local = type.slice(type.indexOf(':') + 1);
  const out: string[] = [ENVELOPE_OPEN, '<soapenv:Fault>', `<faultcode>${faultcode}</faultcode>`, `<faultstring>${escape(message)}</faultstring>`, '<detail>'];
  encodeStruct(out, `${local}Fault`, fault, type, true, ` xmlns="${ns}"`);
  out.push('</detail>', '</soapenv:Fault>', ENVELOPE_CLOSE);
  return out.join('');
}

function escape(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}
