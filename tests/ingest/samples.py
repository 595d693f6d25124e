"""Sample sources shared by several test modules."""

LAW_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Law Era="Showa" Lang="ja" LawType="Act" Num="144" Year="25">
  <LawNum>昭和二十五年法律第百四十四号</LawNum>
  <LawBody>
    <LawTitle Kana="せいかつほごほう">生活保護法</LawTitle>
    <MainProvision>
      <Chapter Num="12">
        <ChapterTitle>第十二章　費用</ChapterTitle>
        <Article Num="77_2">
          <ArticleCaption>（急迫保護に係る費用の徴収）</ArticleCaption>
          <ArticleTitle>第七十七条の二</ArticleTitle>
          <Paragraph Num="1">
            <ParagraphNum/>
            <ParagraphSentence><Sentence Num="1">急迫の場合等において資力があるにもかかわらず、保護を受けた者があるときは、徴収することができる。</Sentence></ParagraphSentence>
            <Item Num="1">
              <ItemTitle>一</ItemTitle>
              <ItemSentence><Column Num="1"><Sentence>保護金品</Sentence></Column><Column Num="2"><Sentence>金銭又は物品</Sentence></Column></ItemSentence>
            </Item>
          </Paragraph>
          <Paragraph Num="2">
            <ParagraphNum>２</ParagraphNum>
            <ParagraphSentence><Sentence>前項の規定による<Ruby>徴<Rt>ちよう</Rt></Ruby>収金は、国税徴収の例により徴収することができる。</Sentence></ParagraphSentence>
          </Paragraph>
        </Article>
        <Article Num="78">
          <ArticleCaption>（費用等の徴収）</ArticleCaption>
          <ArticleTitle>第七十八条</ArticleTitle>
          <Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence>不正な手段により保護を受けた者から徴収する。</Sentence></ParagraphSentence></Paragraph>
        </Article>
      </Chapter>
    </MainProvision>
    <SupplProvision>
      <SupplProvisionLabel>附　則</SupplProvisionLabel>
      <Paragraph Num="1"><ParagraphNum/><ParagraphSentence><Sentence>この法律は、公布の日から施行する。</Sentence></ParagraphSentence></Paragraph>
    </SupplProvision>
  </LawBody>
</Law>
"""
