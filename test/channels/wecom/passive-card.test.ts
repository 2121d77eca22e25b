/**
 * The passive update_template_card's XML shape (doc 90241 更新点击用户的整张卡片), as the public SDKs build it:
 * shenghui0779/sdk-go corp/message/reply.go and the XML its reply_test.go expects; silenceper/wechat
 * work/message/template_card*.go. Lists are their element repeated, names PascalCase with Id/Url as words
 * (KeyName, UserId, AppId, PagePath). The local WeCom server reads exactly that shape and refuses another, so the
 * journeys that click a card fail on a wrong one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { passiveCardXml } from '../../../src/channels/wecom/passive-card.js';
import { renderTemplateCard } from '../../../src/channels/wecom/render.js';
import { parseXmlRoot } from '../../../src/channels/wecom/xml.js';
import type { Card } from '../../../src/core/messages.js';
import { localServerOf } from '../../support/local.js';
import { type Harness, startHarness } from '../../support/wecom/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const card: Card = {
  id: 'claim-7-l1-r0-xml',
  title: '补助申请 #7',
  fields: [
    { label: '医院', value: '海南省人民医院' },
    { label: '补助', value: '1200.00 元' },
  ],
  links: [{ text: '材料1', url: 'https://huzhu.example/doc/7/1' }],
  buttons: [
    { key: 'approve:7', text: '批准' },
    { key: 'reject:7', text: '驳回', style: 'danger' },
  ],
};
const final: Card = { ...card, finalText: '已批准 · 吴文静' };
const head = { ToUserName: 'demo-officer-1', FromUserName: 'corp', CreateTime: 1_700_000_000 };

describe('the passive TemplateCard XML (doc 90241)', () => {
  it('writes lists as repeated elements and the element names the SDKs use (KeyName, TaskId, Url), field by field', () => {
    const xml = passiveCardXml(head, renderTemplateCard(final));
    // as in sdk-go's reply_test.go for a button_interaction update
    expect(xml).toContain('<MsgType><![CDATA[update_template_card]]></MsgType><TemplateCard>');
    expect(xml).toContain('<CardType><![CDATA[button_interaction]]></CardType>');
    expect(xml).toContain('<TaskId><![CDATA[claim-7-l1-r0-xml]]></TaskId>');
    expect(xml).toContain('<MainTitle><Title><![CDATA[补助申请 #7]]></Title></MainTitle>');
    expect(xml).toContain(
      '<HorizontalContentList><Type>0</Type><KeyName><![CDATA[医院]]></KeyName><Value><![CDATA[海南省人民医院]]></Value></HorizontalContentList>' +
        '<HorizontalContentList><Type>0</Type><KeyName><![CDATA[补助]]></KeyName>',
    );
    expect(xml).toContain(
      '<JumpList><Type>1</Type><Title><![CDATA[材料1]]></Title><Url><![CDATA[https://huzhu.example/doc/7/1]]></Url></JumpList>',
    );
    expect(xml).toContain(
      '<ButtonList><Text><![CDATA[批准]]></Text><Style>1</Style><Key><![CDATA[approve:7]]></Key></ButtonList>' +
        '<ButtonList><Text><![CDATA[驳回]]></Text><Style>',
    );
    expect(xml).toContain('<ReplaceText><![CDATA[已批准 · 吴文静]]></ReplaceText></TemplateCard></xml>');
    expect(xml).not.toMatch(/<Keyname>|<Userid>|<Appid>|<Pagepath>|<Button>/);
  });

  it('the local WeCom server takes that shape as an update of the clicker’s copy, and refuses a wrong one', async () => {
    h = await startHarness();
    await h.channel.sender.send({ userIds: ['demo-officer-1', 'demo-officer-2'] }, { kind: 'card', card });
    const server = localServerOf(h.channel);
    const templateCard = (xml: string) => parseXmlRoot(xml).TemplateCard;
    const good = passiveCardXml(head, renderTemplateCard(final));

    // the shape this channel wrote before (a plain capital: Keyname) is not what WeCom reads
    const keyname = server.recordPassiveCardXml(
      'demo-officer-1',
      templateCard(good.replaceAll('KeyName>', 'Keyname>')),
    );
    expect(keyname?.errmsg).toContain('<Keyname>');
    // a list wrapped in one element with children, as a JSON array would suggest
    const wrapped = good
      .replace(/<ButtonList>/, '<ButtonList><Button>')
      .replace(/<\/ButtonList><ButtonList>/, '</Button><Button>')
      .replace(/<\/ButtonList><ReplaceText>/, '</Button></ButtonList><ReplaceText>');
    expect(server.recordPassiveCardXml('demo-officer-1', templateCard(wrapped))?.errmsg).toContain('<Button>');
    // a number where WeCom reads one
    const style = good.replace('<Style>1</Style>', '<Style>primary</Style>');
    expect(server.recordPassiveCardXml('demo-officer-1', templateCard(style))?.errmsg).toContain('Style');
    expect(server.cardFor(card.id, 'demo-officer-1')?.replace_text).toBeUndefined();

    expect(server.recordPassiveCardXml('demo-officer-1', templateCard(good))).toBeNull();
    const seen = server.cardFor(card.id, 'demo-officer-1');
    expect(seen).toMatchObject({ task_id: card.id, card_type: 'button_interaction', replace_text: '已批准 · 吴文静' });
    expect(seen?.horizontal_content_list).toEqual([
      { type: 0, keyname: '医院', value: '海南省人民医院' },
      { type: 0, keyname: '补助', value: '1200.00 元' },
    ]);
    expect(seen?.button_list).toEqual([
      { text: '批准', style: 1, key: 'approve:7' },
      { text: '驳回', style: 3, key: 'reject:7' },
    ]);
    // only the clicker's copy changed
    expect(server.cardFor(card.id, 'demo-officer-2')?.replace_text).toBeUndefined();
  });
});
